/**
 * What the GUI says about an error: a title, a tone and the fix. Known codes
 * get words a new user can act on; NOT_IMPLEMENTED is not a failure but a
 * feature that has not landed yet.
 */
export interface ErrorLike {
  code?: string;
  message: string;
  remedy?: string;
  output?: string;
}

export interface ErrorView {
  title: string;
  tone: 'info' | 'warning' | 'error';
  message: string;
  remedy?: string;
  output?: string;
}

const DOCKER_REMEDY =
  'Start Docker Desktop (macOS, Windows) or the Docker service (Linux: `sudo systemctl start docker`), then try again. If Docker runs elsewhere, set DOCKER_HOST.';

export function describeError(e: unknown): ErrorView {
  const err: ErrorLike =
    e && typeof e === 'object' && 'message' in e ? (e as ErrorLike) : { message: String(e ?? 'Unknown error') };
  const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
  const message = err.message ? cap(err.message) : 'Unknown error';
  const base = { message, remedy: err.remedy ? cap(err.remedy) : undefined, output: err.output };
  switch (err.code) {
    case 'NOT_IMPLEMENTED':
      return { ...base, title: 'Not available yet', tone: 'info' };
    case 'DOCKER_UNREACHABLE':
      return { ...base, title: 'Docker is not running', tone: 'error', remedy: base.remedy ?? DOCKER_REMEDY };
    case 'DOCKER_PERMISSION':
      return {
        ...base,
        title: 'Paddock may not use Docker',
        tone: 'error',
        remedy: base.remedy ?? 'Add your user to the docker group (`sudo usermod -aG docker $USER`), log out and in again.',
      };
    case 'USAGE':
    case 'INVALID_NAME':
    case 'INVALID_CONFIG':
      return { ...base, title: 'Please check the input', tone: 'warning' };
    case 'CLUSTER_NOT_FOUND':
      return { ...base, title: 'Cluster not found', tone: 'warning' };
    case 'CLUSTER_EXISTS':
      return { ...base, title: 'A cluster with this name exists', tone: 'warning', remedy: base.remedy ?? 'Pick another name, or delete the existing cluster first.' };
    case 'PORT_IN_USE':
      return { ...base, title: 'Port already in use', tone: 'warning' };
    case 'RESOURCES_LOW':
    case 'DISK_FULL':
      return { ...base, title: 'Not enough resources', tone: 'error' };
    case 'TIMEOUT':
      return { ...base, title: 'Timed out', tone: 'error' };
    case 'FORBIDDEN':
      return { ...base, title: 'Not allowed for this user', tone: 'warning' };
    case 'CONTEXT_NOT_FOUND':
      return { ...base, title: 'Context not found', tone: 'warning' };
    default:
      return { ...base, title: 'Something went wrong', tone: 'error' };
  }
}

export function isNotImplemented(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as ErrorLike).code === 'NOT_IMPLEMENTED';
}
