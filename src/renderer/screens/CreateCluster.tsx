import { Anchor, Button, Group, MultiSelect, NumberInput, Paper, SegmentedControl, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ClusterNameSchema, type CreateClusterInput } from '../../shared/api.js';
import { call, newOpId } from '../client.js';
import { PageHeader } from '../components/bits.js';
import { useOp } from '../hooks/use-api.js';
import { jobsStore } from '../state/jobs.js';
import { checkClusterConfig } from '../state/kind-config.js';
import { describeError } from '../state/describe-error.js';
import { loadPreferences } from '../state/preferences.js';
import { formToKindConfig, parsePorts } from '../state/form-config.js';

function nameError(name: string): string | undefined {
  if (!name) return 'A cluster needs a name';
  const r = ClusterNameSchema.safeParse(name);
  return r.success ? undefined : r.error.issues[0]?.message;
}

/** Starts the job and shows its progress; errors before the job starts become a failed job too. */
export function startCreate(input: CreateClusterInput, go: (path: string) => void, addons: string[] = []): void {
  const opId = newOpId();
  go(`/jobs/${opId}`);
  call('createCluster', input, { opId })
    .then(async (c) => {
      // Each chosen addon is its own job once the cluster is Ready (Jobs shows them; a failure is reported there).
      for (const addon of addons) await call('enableAddon', { name: c.name, addon }, { opId: newOpId() }).catch(() => undefined);
    })
    .catch((e: unknown) => {
    const known = jobsStore.getSnapshot()[opId];
    if (!known || known.info.state === 'running') {
      const v = e as { code?: string; message?: string; remedy?: string; output?: string };
      jobsStore.apply({
        type: 'job.changed',
        job: {
          opId,
          op: 'createCluster',
          title: `Create cluster ${input.name ?? ''}`.trim(),
          state: 'failed',
          startedAt: known?.info.startedAt ?? Date.now(),
          endedAt: Date.now(),
          error: { code: v.code ?? 'INTERNAL', message: describeError(e).message, remedy: v.remedy, output: v.output },
        },
      });
    }
  });
}

export function CreateClusterScreen() {
  const navigate = useNavigate();
  const images = useOp('listNodeImages', {});
  const version = useOp('version', {});
  const [mode, setMode] = useState<'form' | 'yaml'>('form');
  const [name, setName] = useState('dev');
  const [prefs] = useState(loadPreferences);
  const [controlPlanes, setControlPlanes] = useState<number>(prefs.defaultControlPlanes);
  const [workers, setWorkers] = useState<number>(prefs.defaultWorkers);
  const [k8s, setK8s] = useState<string | null>(null);
  const [portsText, setPortsText] = useState('');
  const catalog = useOp('listAddonCatalog', {});
  const [addons, setAddons] = useState<string[]>([]);
  const ports = useMemo(() => parsePorts(portsText), [portsText]);
  const [yaml, setYaml] = useState('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n');
  const nErr = nameError(name);
  const check = useMemo(() => checkClusterConfig(yaml), [yaml]);
  const versions = useMemo(() => [...new Set((images.data?.images ?? []).map((i) => i.kubernetesVersion))].sort().reverse(), [images.data]);
  const canSubmit = !nErr && (mode === 'form' ? !('error' in ports) : check.ok);
  const published = 'ports' in ports ? ports.ports : [];

  const submit = () => {
    const version = k8s ? { kubernetesVersion: k8s } : {};
    // Published ports need a config file; the plain fields say the rest.
    const input: CreateClusterInput =
      mode === 'yaml'
        ? { name, config: yaml }
        : published.length
          ? { name, config: formToKindConfig({ controlPlanes, workers, ports: published }), ...version }
          : { name, controlPlanes, workers, ...version };
    startCreate(input, navigate, addons);
  };

  const versionHint = images.error
    ? `Node images could not be listed (${describeError(images.error).message}); the default version is used.`
    : versions.length === 0 && images.data
      ? 'No node image is on this machine yet: the default one is pulled or built during create.'
      : undefined;

  return (
    <>
      <PageHeader
        title="Create cluster"
        description={
          <Anchor component={Link} to="/clusters" size="sm">
            ← All clusters
          </Anchor>
        }
      />
      <Paper withBorder p="lg" radius="md" maw={720}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (canSubmit) submit();
          }}
        >
          <Stack>
            <SegmentedControl
              value={mode}
              onChange={(v) => setMode(v as 'form' | 'yaml')}
              data={[
                { label: 'Simple', value: 'form' },
                { label: 'kind config (YAML)', value: 'yaml' },
              ]}
              aria-label="How to describe the cluster"
            />
            <TextInput label="Name" description="Also names the kubeconfig context: paddock-<name>" value={name} onChange={(e) => setName(e.currentTarget.value)} error={nErr} required data-autofocus />
            {mode === 'form' ? (
              <>
                <Group grow>
                  <NumberInput label="Control planes" description="3 for high availability" min={1} max={7} value={controlPlanes} onChange={(v) => setControlPlanes(Number(v) || 1)} />
                  <NumberInput label="Workers" description="0: workloads run on the control plane" min={0} max={20} value={workers} onChange={(v) => setWorkers(Number(v) || 0)} />
                </Group>
                <Select
                  label="Kubernetes version"
                  placeholder={version.data ? `Default (${version.data.defaultKubernetes})` : 'Default'}
                  description={versionHint}
                  data={versions}
                  value={k8s}
                  onChange={setK8s}
                  clearable
                />
                <TextInput
                  label="Published ports"
                  description="HOST:CONTAINER pairs on 127.0.0.1, e.g. 8080:80 8443:443 for an ingress controller. Optional."
                  placeholder="8080:80"
                  value={portsText}
                  onChange={(e) => setPortsText(e.currentTarget.value)}
                  error={'error' in ports ? ports.error : undefined}
                />
                <Group>
                  <Button
                    variant="subtle"
                    size="xs"
                    onClick={() => {
                      setYaml(formToKindConfig({ controlPlanes, workers, ports: published }));
                      setMode('yaml');
                    }}
                  >
                    Edit as a kind config…
                  </Button>
                </Group>
              </>
            ) : (
              <>
                <Textarea
                  label="Cluster config"
                  description="A kind (kind.x-k8s.io/v1alpha4) Cluster file works as it is: nodes, port mappings, mounts, networking."
                  value={yaml}
                  onChange={(e) => setYaml(e.currentTarget.value)}
                  autosize
                  minRows={8}
                  maxRows={20}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  error={check.ok ? undefined : check.message}
                  spellCheck={false}
                />
                {check.ok && (
                  <Text size="sm" c="green">
                    ✓ {check.message}
                  </Text>
                )}
                <Group>
                  <Button component="label" variant="default" size="xs">
                    Upload a file…
                    <input
                      type="file"
                      accept=".yaml,.yml,text/yaml"
                      hidden
                      onChange={(e) => {
                        const f = e.currentTarget.files?.[0];
                        if (f) void f.text().then(setYaml);
                      }}
                    />
                  </Button>
                </Group>
              </>
            )}
            {catalog.data && (
              <MultiSelect
                label="Addons to enable"
                description="DNS and storage are always on; these are enabled once the cluster is Ready (each is a job under Jobs)."
                placeholder={addons.length ? undefined : 'none'}
                data={catalog.data.addons.filter((a) => !a.defaultEnabled).map((a) => ({ value: a.name, label: a.name }))}
                renderOption={({ option }) => (
                  <div>
                    <Text size="sm">{option.value}</Text>
                    <Text size="xs" c="dimmed">
                      {catalog.data.addons.find((a) => a.name === option.value)?.description}
                    </Text>
                  </div>
                )}
                value={addons}
                onChange={setAddons}
                clearable
              />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => navigate('/clusters')}>
                Cancel
              </Button>
              <Button type="submit" disabled={!canSubmit}>
                Create cluster
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </>
  );
}
