import { ActionIcon, AppShell, Badge, Burger, Group, NavLink, Text, Tooltip, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect } from 'react';
import { Navigate, NavLink as RouterLink, Route, Routes, useLocation } from 'react-router-dom';
import { useJobs, useLiveUpdates } from './hooks/use-api.js';
import { ClustersScreen } from './screens/Clusters.js';
import { ClusterDetailScreen } from './screens/ClusterDetail.js';
import { CreateClusterScreen } from './screens/CreateCluster.js';
import { ContextsScreen } from './screens/Contexts.js';
import { ForwardsScreen } from './screens/Forwards.js';
import { WorkloadsScreen } from './screens/Workloads.js';
import { NodesScreen } from './screens/Nodes.js';
import { NodeImagesScreen } from './screens/NodeImages.js';
import { DoctorScreen } from './screens/Doctor.js';
import { SettingsScreen } from './screens/Settings.js';
import { JobScreen, JobsScreen } from './screens/Jobs.js';
import logoUrl from '../../assets/icon.svg';

const NAV = [
  { to: '/clusters', label: 'Clusters' },
  { to: '/contexts', label: 'Contexts' },
  { to: '/workloads', label: 'Workloads' },
  { to: '/nodes', label: 'Nodes' },
  { to: '/forwards', label: 'Port-forwards' },
  { to: '/images', label: 'Node images' },
  { to: '/jobs', label: 'Jobs' },
  { to: '/doctor', label: 'Doctor' },
  { to: '/settings', label: 'Settings' },
];

function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={`Switch to ${next} theme`}>
      <ActionIcon variant="default" size="lg" aria-label={`Switch to ${next} theme`} onClick={() => setColorScheme(next)}>
        <span aria-hidden style={{ fontSize: 16 }}>
          {computed === 'dark' ? '☀' : '☾'}
        </span>
      </ActionIcon>
    </Tooltip>
  );
}

export function App() {
  useLiveUpdates();
  const jobs = useJobs();
  const running = Object.values(jobs).filter((j) => j.info.state === 'running').length;
  const location = useLocation();
  const [navOpen, nav] = useDisclosure(false);
  // On a narrow window the sidebar is a drawer: close it after navigating.
  const closeNav = nav.close;
  useEffect(() => closeNav(), [location.pathname]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 210, breakpoint: 'sm', collapsed: { mobile: !navOpen } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Burger opened={navOpen} onClick={nav.toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <img src={logoUrl} alt="" width={28} height={28} />
            <Text fw={700} size="lg">
              Paddock
            </Text>
          </Group>
          <Group gap="xs">
            {running > 0 && (
              <Badge component={RouterLink} to="/jobs" variant="light" style={{ cursor: 'pointer' }}>
                {running} job{running === 1 ? '' : 's'} running
              </Badge>
            )}
            <ThemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {NAV.map((n) => (
          <NavLink
            key={n.to}
            component={RouterLink}
            to={n.to}
            label={n.label}
            active={location.pathname === n.to || location.pathname.startsWith(`${n.to}/`)}
            style={{ borderRadius: 6 }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Routes>
          <Route path="/" element={<Navigate to="/clusters" replace />} />
          <Route path="/clusters" element={<ClustersScreen />} />
          <Route path="/clusters/new" element={<CreateClusterScreen />} />
          <Route path="/clusters/:name" element={<ClusterDetailScreen />} />
          <Route path="/contexts" element={<ContextsScreen />} />
          <Route path="/workloads" element={<WorkloadsScreen />} />
          <Route path="/nodes" element={<NodesScreen />} />
          <Route path="/forwards" element={<ForwardsScreen />} />
          <Route path="/images" element={<NodeImagesScreen />} />
          <Route path="/jobs" element={<JobsScreen />} />
          <Route path="/jobs/:opId" element={<JobScreen />} />
          <Route path="/doctor" element={<DoctorScreen />} />
          <Route path="/settings" element={<SettingsScreen />} />
          <Route path="*" element={<Navigate to="/clusters" replace />} />
        </Routes>
      </AppShell.Main>
    </AppShell>
  );
}
