import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, loadPreferences, parsePreferences, savePreferences } from './preferences.js';

describe('preferences', () => {
  it('round-trips and rejects out-of-range or broken values', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(loadPreferences(storage)).toEqual(DEFAULT_PREFERENCES);
    savePreferences({ defaultWorkers: 2, defaultControlPlanes: 3 }, storage);
    expect(loadPreferences(storage)).toEqual({ defaultWorkers: 2, defaultControlPlanes: 3 });
    expect(parsePreferences('{"defaultWorkers":99,"defaultControlPlanes":0}')).toEqual(DEFAULT_PREFERENCES);
    expect(parsePreferences('{oops')).toEqual(DEFAULT_PREFERENCES);
  });
});
