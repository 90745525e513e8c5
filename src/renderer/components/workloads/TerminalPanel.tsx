import '@xterm/xterm/css/xterm.css';
import { Button, Group, Paper, Select, Stack, Text, useComputedColorScheme } from '@mantine/core';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'react';
import { call } from '../../client.js';
import { getBridge } from '../../transport/index.js';
import { ErrorNotice } from '../ErrorNotice.js';

const THEMES = {
  light: { background: '#ffffff', foreground: '#1f2328', cursor: '#1f2328', selectionBackground: '#b6d7f5' },
  dark: { background: '#16181d', foreground: '#e6e6e6', cursor: '#e6e6e6', selectionBackground: '#3a4a5e' },
} as const;

/**
 * A shell in a container: xterm.js over the contract's exec session (input
 * and resize are calls; output comes as `exec.output` pushes). Resize-aware:
 * the terminal fits its box and tells the API server its new size.
 */
export function TerminalPanel({ context, namespace, pod, containers }: { context: string; namespace: string; pod: string; containers: string[] }) {
  const box = useRef<HTMLDivElement>(null);
  const [container, setContainer] = useState<string | undefined>(containers[0]);
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<'connecting' | 'open' | 'ended'>('connecting');
  const [note, setNote] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const scheme = useComputedColorScheme('light');
  const termRef = useRef<Terminal | undefined>(undefined);

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = THEMES[scheme];
  }, [scheme]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 13, fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace', theme: THEMES[scheme], scrollback: 5000 });
    termRef.current = term;
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    setState('connecting');
    setNote(undefined);
    setError(undefined);
    let id: string | undefined;
    let disposed = false;
    // Output that arrives before execOpen answers (a prompt) is kept until the id is known.
    const early: { sessionId: string; data: string }[] = [];
    const off = getBridge().subscribe((e) => {
      if (e.type !== 'exec.output') return;
      if (!id) {
        early.push(e);
        return;
      }
      if (e.sessionId !== id) return;
      if (e.data) term.write(e.data);
      if (e.ended) {
        setState('ended');
        setNote(e.error ? `The session ended: ${e.error}` : `The session ended${e.exitCode !== undefined ? ` (exit code ${e.exitCode})` : ''}.`);
      }
    });
    // Keystrokes go one call at a time, in order (concurrent requests may overtake each other);
    // what is typed while a call is under way goes together in the next one.
    let queued = '';
    let sending = false;
    const pump = async () => {
      if (sending || !id) return;
      sending = true;
      while (queued && id && !disposed) {
        const data = queued.slice(0, 65_536);
        queued = queued.slice(data.length);
        await call('execInput', { sessionId: id, data }).catch(() => undefined);
      }
      sending = false;
    };
    const input = term.onData((data) => {
      queued += data;
      void pump();
    });
    const resized = term.onResize(({ cols, rows }) => {
      if (id) void call('execResize', { sessionId: id, cols, rows }).catch(() => undefined);
    });
    const observer = new ResizeObserver(() => {
      try {
        fit.fit();
      } catch {
        // not laid out (hidden tab)
      }
    });
    observer.observe(el);
    call('execOpen', { context, namespace, pod, cols: term.cols, rows: term.rows, ...(container ? { container } : {}) }).then(
      (r) => {
        if (disposed) return void call('execClose', { sessionId: r.sessionId }).catch(() => undefined);
        id = r.sessionId;
        setState('open');
        for (const e of early.splice(0)) if (e.sessionId === id && e.data) term.write(e.data);
        void pump();
        term.focus();
      },
      (e: unknown) => {
        if (disposed) return;
        setState('ended');
        setError(e);
      },
    );
    return () => {
      disposed = true;
      off();
      observer.disconnect();
      input.dispose();
      resized.dispose();
      if (id) void call('execClose', { sessionId: id }).catch(() => undefined);
      term.dispose();
      termRef.current = undefined;
    };
  }, [context, namespace, pod, container, generation]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <Stack gap="sm">
      <Group gap="sm" align="flex-end">
        {containers.length > 1 && <Select label="Container" data={containers} value={container ?? null} onChange={(v) => setContainer(v ?? undefined)} w={180} allowDeselect={false} />}
        <Text size="sm" c="dimmed" role="status" aria-label="Terminal state">
          {state === 'connecting' ? 'Connecting…' : state === 'open' ? `Shell in ${container ?? 'the first container'}` : 'Not connected'}
        </Text>
        {state === 'ended' && (
          <Button size="xs" variant="default" onClick={() => setGeneration((g) => g + 1)}>
            Reconnect
          </Button>
        )}
      </Group>
      {error != null && <ErrorNotice error={error} title="The terminal could not open" />}
      {note && (
        <Text size="sm" c="dimmed">
          {note}
        </Text>
      )}
      <Paper withBorder radius="sm" p={6} style={{ background: THEMES[scheme].background }}>
        <div ref={box} aria-label="Terminal screen" data-session-state={state} style={{ height: 420, width: '100%' }} />
      </Paper>
    </Stack>
  );
}
