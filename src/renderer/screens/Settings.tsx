import { Paper, SegmentedControl, Stack, Text, Title, useMantineColorScheme, type MantineColorScheme } from '@mantine/core';
import { PageHeader } from '../components/bits.js';
import { useOp } from '../hooks/use-api.js';

export function SettingsScreen() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const version = useOp('version', {});
  const inElectron = typeof window !== 'undefined' && !!window.paddock;
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
