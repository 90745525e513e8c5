/** Times the steps of a long test, for a table printed at its end (figures, not assertions). */
export function stepTimer(title: string) {
  const timings: [string, number][] = [];
  return {
    async timed<T>(what: string, f: () => Promise<T>): Promise<T> {
      const t0 = Date.now();
      try {
        return await f();
      } finally {
        timings.push([what, (Date.now() - t0) / 1000]);
      }
    },
    print(): void {
      const width = Math.max(0, ...timings.map(([w]) => w.length)) + 2;
      console.log(['', `${title} (s):`, ...timings.map(([w, s]) => `  ${w.padEnd(width)} ${s.toFixed(1)}`)].join('\n'));
    },
  };
}
