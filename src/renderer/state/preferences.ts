/** GUI preferences kept in the browser profile (never cluster state). */
export interface Preferences {
  defaultWorkers: number;
  defaultControlPlanes: number;
}

const KEY = 'paddock.preferences.v1';
export const DEFAULT_PREFERENCES: Preferences = { defaultWorkers: 0, defaultControlPlanes: 1 };

function clampInt(v: unknown, min: number, max: number, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

export function parsePreferences(text: string | null): Preferences {
  if (!text) return DEFAULT_PREFERENCES;
  try {
    const o = JSON.parse(text) as Partial<Preferences>;
    return {
      defaultWorkers: clampInt(o.defaultWorkers, 0, 20, DEFAULT_PREFERENCES.defaultWorkers),
      defaultControlPlanes: clampInt(o.defaultControlPlanes, 1, 7, DEFAULT_PREFERENCES.defaultControlPlanes),
    };
  } catch {
    return DEFAULT_PREFERENCES;
  }
}

export function loadPreferences(storage: Pick<Storage, 'getItem'> = localStorage): Preferences {
  return parsePreferences(storage.getItem(KEY));
}

export function savePreferences(p: Preferences, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(KEY, JSON.stringify(p));
}
