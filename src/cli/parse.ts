import { InvalidArgumentError } from 'commander';

/** "90s", "5m", "1h", "0" or a bare number of seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a duration; use e.g. 30s, 5m or 0`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const seconds = unit === 'ms' ? n / 1000 : unit === 's' ? n : unit === 'm' ? n * 60 : n * 3600;
  return seconds;
}

export function parseCount(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`);
    return n;
  };
}
