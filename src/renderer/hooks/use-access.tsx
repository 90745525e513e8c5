/**
 * Limited RBAC in the GUI (issue 13): ask the API server what the context's
 * user may do (one accessReview per screen part), and render an action the
 * server would refuse as a disabled button whose tooltip says why. A review
 * that could not be made leaves the button enabled: the core still refuses
 * with the server's reason if it must.
 */
import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import type { ReactNode } from 'react';
import type { AccessCheck, AccessResult } from '../../shared/api.js';
import { useOp } from './use-api.js';

export interface Access {
  /** Undefined while the review runs, or when the check was not asked. */
  denied: (i: number) => string | undefined;
  pending: boolean;
}

export function useAccess(context: string, checks: AccessCheck[]): Access {
  const q = useOp('accessReview', { context, checks }, { enabled: checks.length > 0 && context !== '' });
  const results: AccessResult[] = q.data?.results ?? [];
  return {
    denied: (i) => (results[i] && !results[i].allowed ? (results[i].reason ?? 'not allowed') : undefined),
    pending: q.isPending && checks.length > 0,
  };
}

/** A button that is disabled, with the reason in a tooltip and in its accessible description, when `denied` says so. */
export function GuardedButton({ denied, children, onClick, ...props }: ButtonProps & { denied?: string; onClick?: () => void; children: ReactNode }) {
  if (!denied) {
    return (
      <Button {...props} onClick={onClick}>
        {children}
      </Button>
    );
  }
  return (
    <Tooltip label={denied} multiline w={340} withArrow>
      {/* A disabled button gets no pointer events: the span carries the tooltip. */}
      <span data-denied-reason={denied}>
        <Button {...props} disabled aria-description={denied}>
          {children}
        </Button>
      </span>
    </Tooltip>
  );
}

/** The API resource of a workload kind, for access checks (all in apps/v1). */
export function workloadResource(kind: 'Deployment' | 'StatefulSet' | 'DaemonSet'): { group: string; resource: string } {
  return { group: 'apps', resource: `${kind.toLowerCase()}s` };
}
