/**
 * A kubeconfig shown on screen hides its secrets (client keys, tokens,
 * passwords) until asked, as Secrets are: screens get shared and recorded.
 * Copying still copies the whole file.
 */
const SECRET_FIELDS = ['client-key-data', 'token', 'password'];

export function maskCredentials(kubeconfig: string): string {
  const field = new RegExp(`^(\\s*(?:-\\s+)?(?:${SECRET_FIELDS.join('|')}):\\s*)(\\S.*)$`, 'gm');
  return kubeconfig.replace(field, (_m, key: string) => `${key}•••••••• (hidden)`);
}
