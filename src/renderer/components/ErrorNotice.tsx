import { Alert, Button, Code, Collapse, Group, Stack, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { describeError } from '../state/describe-error.js';

/** Renders `commands` in backticks as code, the way remedies are written. */
export function RichText({ text }: { text: string }): ReactNode {
  const parts = text.split(/(`[^`]+`)/g);
  return parts.map((p, i) => (p.startsWith('`') && p.endsWith('`') && p.length > 1 ? <Code key={i}>{p.slice(1, -1)}</Code> : <span key={i}>{p}</span>));
}

const COLORS = { info: 'blue', warning: 'yellow', error: 'red' } as const;

export function ErrorNotice({ error, onRetry, onClose, title }: { error: unknown; onRetry?: () => void; onClose?: () => void; title?: string }) {
  const [showOutput, setShowOutput] = useState(false);
  if (!error) return null;
  const v = describeError(error);
  // Retrying cannot make a feature that has not landed appear.
  if (v.tone === 'info') onRetry = undefined;
  return (
    <Alert color={COLORS[v.tone]} title={title ?? v.title} variant="light" withCloseButton={!!onClose} onClose={onClose} role="alert">
      <Stack gap="xs">
        <Text size="sm">
          <RichText text={v.message} />
        </Text>
        {v.remedy && (
          <Text size="sm">
            <strong>What to do: </strong>
            <RichText text={v.remedy} />
          </Text>
        )}
        {(v.output || onRetry) && (
          <Group gap="xs">
            {onRetry && (
              <Button size="xs" variant="default" onClick={onRetry}>
                Try again
              </Button>
            )}
            {v.output && (
              <Button size="xs" variant="subtle" onClick={() => setShowOutput((s) => !s)}>
                {showOutput ? 'Hide output' : 'Show output'}
              </Button>
            )}
          </Group>
        )}
        {v.output && (
          <Collapse in={showOutput}>
            <Code block style={{ maxHeight: 240, overflow: 'auto' }}>
              {v.output}
            </Code>
          </Collapse>
        )}
      </Stack>
    </Alert>
  );
}
