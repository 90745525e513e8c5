import { ErrorCodes, PaddockError } from '../shared/errors.js';

/** Operations whose issue has not landed yet say so; none pretends to succeed. */
export function notAvailable(what: string, issue: string): never {
  throw new PaddockError(ErrorCodes.NOT_IMPLEMENTED, `${what} is not available yet in this version of Paddock (${issue})`);
}
