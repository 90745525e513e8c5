import { Group, NumberInput, Paper, SegmentedControl, Stack, Text, Title, useMantineColorScheme, type MantineColorScheme } from '@mantine/core';
import { useState } from 'react';
import { loadPreferences, savePreferences, type Preferences } from '../state/preferences.js';
import { PageHeader } from '../components/bits.js';
import { useOp } from '../hooks/use-api.js';

export function SettingsScreen() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const version = useOp('version', {});
  const inElectron = typeof window !== 'undefined' && !!window.paddock;
  const [prefs, setPrefs] = useState<Preferences>(loadPreferences);
  const update = (p: Partial<Preferences>) => {
    const next = { ...prefs, ...p };
    setPrefs(next);
    savePreferences(next);
  };
  return (
    <>
      <PageHeader title="Settings" />
      <Stack maw={640}>
        <Paper withBorder p="md" radius="md">
          <Title order={4} mb="xs">
            Appearance
          </Title>
          <SegmentedControl
            aria-label="Theme"
            value={colorScheme}
            onChange={(v) => setColorScheme(v as MantineColorScheme)}
            data={[
              { label: 'System', value: 'auto' },
              { label: 'Light', value: 'light' },
              { label: 'Dark', value: 'dark' },
            ]}
          />
        </Paper>
        <Paper withBorder p="md" radius="md">
          <Title order={4} mb="xs">
            New clusters
          </Title>
          <Text size="sm" c="dimmed" mb="sm">
            What the Create cluster form starts with.
          </Text>
          <Group grow>
            <NumberInput label="Control planes" min={1} max={7} value={prefs.defaultControlPlanes} onChange={(v) => update({ defaultControlPlanes: Math.min(7, Math.max(1, Number(v) || 1)) })} />
            <NumberInput label="Workers" min={0} max={20} value={prefs.defaultWorkers} onChange={(v) => update({ defaultWorkers: Math.min(20, Math.max(0, Number(v) || 0)) })} />
          </Group>
        </Paper>
        <Paper withBorder p="md" radius="md">
          <Title order={4} mb="xs">
            Start at login
          </Title>
          <Text size="sm" c="dimmed">
            {inElectron
              ? 'Use “Start Paddock at Login” in the Paddock menu or the tray menu.'
              : 'Available in the desktop app (Paddock menu → Start Paddock at Login). In web mode Paddock runs while `paddock ui --web` runs.'}
          </Text>
        </Paper>
        <Paper withBorder p="md" radius="md">
          <Title order={4} mb="xs">
            Docker
          </Title>
          <Text size="sm" c="dimmed">
            Paddock follows Docker's own rules: DOCKER_HOST if set, otherwise the local engine. The Doctor screen says which engine answers.
          </Text>
        </Paper>
        <Paper withBorder p="md" radius="md">
          <Title order={4} mb="xs">
            About
          </Title>
          <Text size="sm">
            {version.data
              ? `Paddock ${version.data.paddock} · Node ${version.data.node} · default Kubernetes ${version.data.defaultKubernetes}`
              : version.error
                ? 'Version information is not available yet.'
                : '…'}
          </Text>
        </Paper>
      </Stack>
    </>
  );
}
