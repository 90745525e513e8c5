// paddock-lb-controller gives Services of type LoadBalancer an address on the
// host, as k3d's servicelb or cloud-provider-kind do: it runs as a container
// on the host's Docker engine (the Docker socket mounted), polls the cluster's
// Services and, for each LoadBalancer Service, runs one paddock-lb proxy
// container that publishes the Service's ports on 127.0.0.1 and forwards to
// the Service's node ports. It writes status.loadBalancer.ingress (127.0.0.1)
// and the annotation paddock.dev/load-balancer-ports ("80=127.0.0.1:80,...").
//
// Standard library only: a client-go controller would cost minutes of build
// on a 2-core machine for a loop that lists two resources every two seconds.
//
// Environment: KUBE_SERVER (https://<control plane>:6443, reachable on the
// Docker network), KUBE_TOKEN, KUBE_CA (base64 PEM), CLUSTER (Paddock cluster
// name), LB_IMAGE (the paddock/lb image), NETWORK (Docker network of the
// nodes), HOST_IP (default 127.0.0.1).
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	labelAddonOf  = "io.paddock.addon-of"
	labelAddon    = "io.paddock.addon"
	labelService  = "io.paddock.lb-service"
	labelSpecHash = "io.paddock.lb-spec"
	annotation    = "paddock.dev/load-balancer-ports"
	addonID       = "load-balancer"
)

type env struct {
	server, token, cluster, image, network, hostIP string
}

type kube struct {
	http   *http.Client
	server string
	token  string
}

func (k *kube) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, k.server+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := k.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

type servicePort struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
	NodePort int    `json:"nodePort"`
}

type service struct {
	Metadata struct {
		Name              string            `json:"name"`
		Namespace         string            `json:"namespace"`
		Annotations       map[string]string `json:"annotations"`
		DeletionTimestamp *string           `json:"deletionTimestamp"`
	} `json:"metadata"`
	Spec struct {
		Type              string        `json:"type"`
		Ports             []servicePort `json:"ports"`
		LoadBalancerClass *string       `json:"loadBalancerClass"`
	} `json:"spec"`
	Status struct {
		LoadBalancer struct {
			Ingress []map[string]any `json:"ingress"`
		} `json:"loadBalancer"`
	} `json:"status"`
}

type node struct {
	Status struct {
		Addresses []struct {
			Type    string `json:"type"`
			Address string `json:"address"`
		} `json:"addresses"`
	} `json:"status"`
}

// ---------- Docker over its unix socket ----------

type docker struct{ http *http.Client }

func newDocker() *docker {
	sock := "/var/run/docker.sock"
	return &docker{http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}}
}

func (d *docker) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://docker"+path, body)
	if err != nil {
		return 0, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("docker %s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil && len(data) > 0 {
		return resp.StatusCode, json.Unmarshal(data, out)
	}
	return resp.StatusCode, nil
}

type containerSummary struct {
	ID     string            `json:"Id"`
	Names  []string          `json:"Names"`
	Labels map[string]string `json:"Labels"`
	State  string            `json:"State"`
}

func (d *docker) list(ctx context.Context, cluster string) ([]containerSummary, error) {
	f, _ := json.Marshal(map[string][]string{"label": {labelAddonOf + "=" + cluster, labelAddon + "=" + addonID, labelService}})
	var out []containerSummary
	_, err := d.do(ctx, "GET", "/containers/json?all=1&filters="+url.QueryEscape(string(f)), "", nil, &out)
	return out, err
}

func (d *docker) remove(ctx context.Context, id string) error {
	code, err := d.do(ctx, "DELETE", "/containers/"+id+"?force=1&v=1", "", nil, nil)
	if code == 404 {
		return nil
	}
	return err
}

// hostPorts reads the published 127.0.0.1 ports of a container: "80/tcp" -> 80.
func (d *docker) hostPorts(ctx context.Context, id string) (map[string]int, error) {
	var info struct {
		NetworkSettings struct {
			Ports map[string][]struct {
				HostIP   string `json:"HostIp"`
				HostPort string `json:"HostPort"`
			} `json:"Ports"`
		} `json:"NetworkSettings"`
	}
	if _, err := d.do(ctx, "GET", "/containers/"+id+"/json", "", nil, &info); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for k, bs := range info.NetworkSettings.Ports {
		for _, b := range bs {
			if p, err := strconv.Atoi(b.HostPort); err == nil {
				out[k] = p
			}
		}
	}
	return out, nil
}

type lbConfig struct {
	Listeners []listener `json:"listeners"`
}
type listener struct {
	Listen   string   `json:"listen"`
	Backends []string `json:"backends"`
}

// ---------- reconcile ----------

type controller struct {
	e    env
	k    *kube
	d    *docker
	seen map[string]string // service key -> last annotation written
	cfgs map[string]string // container id -> hash of the config it was given
}

func containerName(cluster, ns, name string) string {
	n := fmt.Sprintf("paddock-%s-lb-%s-%s", cluster, ns, name)
	if len(n) > 120 {
		h := sha256.Sum256([]byte(n))
		n = n[:100] + "-" + hex.EncodeToString(h[:])[:8]
	}
	return n
}

func tcpPorts(s *service) []servicePort {
	var ps []servicePort
	for _, p := range s.Spec.Ports {
		if (p.Protocol == "" || p.Protocol == "TCP") && p.NodePort > 0 {
			ps = append(ps, p)
		}
	}
	return ps
}

func (c *controller) config(s *service, nodes []string) lbConfig {
	var cfg lbConfig
	for _, p := range tcpPorts(s) {
		l := listener{Listen: fmt.Sprintf(":%d", p.Port)}
		for _, n := range nodes {
			l.Backends = append(l.Backends, net.JoinHostPort(n, strconv.Itoa(p.NodePort)))
		}
		cfg.Listeners = append(cfg.Listeners, l)
	}
	return cfg
}

func specHash(v any) string {
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])[:16]
}

// create runs the proxy container, first asking for the Service's own ports
// on the host and, when one of them is taken, for free ones.
func (c *controller) create(ctx context.Context, s *service, cfg lbConfig, hash string) (string, error) {
	name := containerName(c.e.cluster, s.Metadata.Namespace, s.Metadata.Name)
	cfgJSON, _ := json.Marshal(cfg)
	for _, samePorts := range []bool{true, false} {
		exposed := map[string]any{}
		bindings := map[string]any{}
		for _, p := range tcpPorts(s) {
			key := fmt.Sprintf("%d/tcp", p.Port)
			exposed[key] = map[string]any{}
			hp := ""
			if samePorts {
				hp = strconv.Itoa(p.Port)
			}
			bindings[key] = []map[string]string{{"HostIp": c.e.hostIP, "HostPort": hp}}
		}
		body, _ := json.Marshal(map[string]any{
			"Image":        c.e.image,
			"Env":          []string{"PADDOCK_LB_CONFIG=" + string(cfgJSON)},
			"ExposedPorts": exposed,
			"Labels": map[string]string{
				labelAddonOf: c.e.cluster, labelAddon: addonID,
				labelService:  s.Metadata.Namespace + "/" + s.Metadata.Name,
				labelSpecHash: hash,
			},
			"HostConfig": map[string]any{
				"PortBindings":  bindings,
				"NetworkMode":   c.e.network,
				"RestartPolicy": map[string]any{"Name": "unless-stopped"},
			},
		})
		var created struct {
			ID string `json:"Id"`
		}
		if _, err := c.d.do(ctx, "POST", "/containers/create?name="+url.QueryEscape(name), "application/json", bytes.NewReader(body), &created); err != nil {
			return "", err
		}
		if _, err := c.d.do(ctx, "POST", "/containers/"+created.ID+"/start", "", nil, nil); err != nil {
			_ = c.d.remove(ctx, created.ID)
			if samePorts {
				log.Printf("%s/%s: its ports are taken on the host (%v); using free ones", s.Metadata.Namespace, s.Metadata.Name, err)
				continue
			}
			return "", err
		}
		return created.ID, nil
	}
	return "", fmt.Errorf("unreachable")
}

// updateConfig writes new backends into a running proxy (paddock-lb re-reads
// its config file), so node changes keep the host ports.
func (c *controller) updateConfig(ctx context.Context, id string, cfg lbConfig) error {
	data, _ := json.Marshal(cfg)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "etc/paddock-lb/", Typeflag: tar.TypeDir, Mode: 0o755})
	_ = tw.WriteHeader(&tar.Header{Name: "etc/paddock-lb/config.json", Mode: 0o644, Size: int64(len(data))})
	_, _ = tw.Write(data)
	_ = tw.Close()
	_, err := c.d.do(ctx, "PUT", "/containers/"+id+"/archive?path=/", "application/x-tar", &buf, nil)
	return err
}

func (c *controller) writeStatus(ctx context.Context, s *service, ports map[string]int) error {
	var parts []string
	var statusPorts []map[string]any
	for _, p := range tcpPorts(s) {
		hp := ports[fmt.Sprintf("%d/tcp", p.Port)]
		if hp == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%d=%s", p.Port, net.JoinHostPort(c.e.hostIP, strconv.Itoa(hp))))
		statusPorts = append(statusPorts, map[string]any{"port": p.Port, "protocol": "TCP"})
	}
	value := strings.Join(parts, ",")
	key := s.Metadata.Namespace + "/" + s.Metadata.Name
	hasStatus := len(s.Status.LoadBalancer.Ingress) > 0 && s.Status.LoadBalancer.Ingress[0]["ip"] == c.e.hostIP
	if c.seen[key] == value && s.Metadata.Annotations[annotation] == value && hasStatus {
		return nil
	}
	base := "/api/v1/namespaces/" + url.PathEscape(s.Metadata.Namespace) + "/services/" + url.PathEscape(s.Metadata.Name)
	meta, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{annotation: value}}})
	if err := c.k.do(ctx, "PATCH", base, "application/merge-patch+json", meta, nil); err != nil {
		return err
	}
	st, _ := json.Marshal(map[string]any{"status": map[string]any{"loadBalancer": map[string]any{"ingress": []map[string]any{{"ip": c.e.hostIP, "ipMode": "Proxy", "ports": statusPorts}}}}})
	if err := c.k.do(ctx, "PATCH", base+"/status", "application/merge-patch+json", st, nil); err != nil {
		return err
	}
	c.seen[key] = value
	log.Printf("%s: %s", key, value)
	return nil
}

func (c *controller) reconcile(ctx context.Context) error {
	var svcs struct{ Items []service }
	if err := c.k.do(ctx, "GET", "/api/v1/services", "", nil, &svcs); err != nil {
		return err
	}
	var nodes struct{ Items []node }
	if err := c.k.do(ctx, "GET", "/api/v1/nodes", "", nil, &nodes); err != nil {
		return err
	}
	var nodeIPs []string
	for _, n := range nodes.Items {
		for _, a := range n.Status.Addresses {
			if a.Type == "InternalIP" {
				nodeIPs = append(nodeIPs, a.Address)
				break
			}
		}
	}
	sort.Strings(nodeIPs)
	containers, err := c.d.list(ctx, c.e.cluster)
	if err != nil {
		return err
	}
	byService := map[string]containerSummary{}
	for _, ct := range containers {
		byService[ct.Labels[labelService]] = ct
	}
	wanted := map[string]bool{}
	for i := range svcs.Items {
		s := &svcs.Items[i]
		if s.Spec.Type != "LoadBalancer" || s.Metadata.DeletionTimestamp != nil || s.Spec.LoadBalancerClass != nil || len(tcpPorts(s)) == 0 {
			continue
		}
		key := s.Metadata.Namespace + "/" + s.Metadata.Name
		wanted[key] = true
		cfg := c.config(s, nodeIPs)
		var portSpec []int
		for _, p := range tcpPorts(s) {
			portSpec = append(portSpec, p.Port)
		}
		hash := specHash(portSpec)
		ct, ok := byService[key]
		id := ct.ID
		switch {
		case ok && ct.Labels[labelSpecHash] == hash && ct.State == "running":
			if h := specHash(cfg); c.cfgs[id] != h {
				if err := c.updateConfig(ctx, id, cfg); err != nil {
					log.Printf("%s: %v", key, err)
				} else {
					c.cfgs[id] = h
				}
			}
		default:
			if ok {
				_ = c.d.remove(ctx, ct.ID)
			}
			id, err = c.create(ctx, s, cfg, hash)
			if err != nil {
				log.Printf("%s: %v", key, err)
				continue
			}
			c.cfgs[id] = specHash(cfg)
		}
		ports, err := c.d.hostPorts(ctx, id)
		if err != nil {
			log.Printf("%s: %v", key, err)
			continue
		}
		if err := c.writeStatus(ctx, s, ports); err != nil {
			log.Printf("%s: %v", key, err)
		}
	}
	for key, ct := range byService {
		if !wanted[key] {
			log.Printf("%s: no longer a LoadBalancer Service; removing its proxy", key)
			_ = c.d.remove(ctx, ct.ID)
			delete(c.seen, key)
		}
	}
	return nil
}

func main() {
	e := env{
		server: os.Getenv("KUBE_SERVER"), token: os.Getenv("KUBE_TOKEN"), cluster: os.Getenv("CLUSTER"),
		image: os.Getenv("LB_IMAGE"), network: os.Getenv("NETWORK"), hostIP: os.Getenv("HOST_IP"),
	}
	if e.hostIP == "" {
		e.hostIP = "127.0.0.1"
	}
	if e.network == "" {
		e.network = "paddock"
	}
	if e.server == "" || e.token == "" || e.cluster == "" || e.image == "" {
		log.Fatal("KUBE_SERVER, KUBE_TOKEN, CLUSTER and LB_IMAGE are required")
	}
	caPEM, err := base64.StdEncoding.DecodeString(os.Getenv("KUBE_CA"))
	if err != nil {
		log.Fatalf("KUBE_CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		log.Fatal("KUBE_CA holds no certificate")
	}
	k := &kube{server: strings.TrimRight(e.server, "/"), token: e.token, http: &http.Client{
		Timeout:   20 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}}
	c := &controller{e: e, k: k, d: newDocker(), seen: map[string]string{}, cfgs: map[string]string{}}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log.Printf("watching LoadBalancer Services of cluster %s at %s", e.cluster, e.server)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		if err := c.reconcile(rctx); err != nil && ctx.Err() == nil {
			log.Printf("reconcile: %v", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
