/** Ages as kubectl prints them; pure, shared by the CLI and the GUI (which re-renders them as time passes). */
export function formatAge(created: string | undefined, now = Date.now()): string {
  if (!created) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(created)) / 1000));
  if (Number.isNaN(s)) return '';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}
