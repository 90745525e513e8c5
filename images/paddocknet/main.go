// Command paddocknet is Paddock's default CNI daemon (kindnet-style, written
// for Paddock). It runs on every node (DaemonSet, host network) and:
//
//   - as soon as its own Node has a podCIDR, writes the CNI conflist
//     (bridge + host-local + portmap) so the kubelet reports the node Ready;
//   - routes every other node's podCIDR via that node's InternalIP;
//   - masquerades pod traffic that leaves the set of all pod CIDRs (an nft
//     table, rewritten atomically whenever the set changes).
//
// It is event driven (a Node informer, no periodic ticker): the first
// conflist is written the moment the informer delivers the node.
// The cluster's pod subnet is not configured: it is the union of the nodes'
// podCIDRs, so the manifest has no placeholder.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const routeProtocol = netlink.RouteProtocol(0x9d) // marks routes we own (157, unused by the kernel)

type daemon struct {
	nodeName   string
	confPath   string
	bridge     string
	nodes      listersv1.NodeLister
	mu         sync.Mutex
	lastConf   []byte
	lastNFT    string
	ownedDests map[string]bool
}

func main() {
	var kubeconfig, confPath, bridge, kubeletConf string
	flag.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig (default: in-cluster)")
	flag.StringVar(&kubeletConf, "kubelet-kubeconfig", "/etc/kubernetes/kubelet.conf", "the node kubelet's kubeconfig: its server is used to reach the API server")
	flag.StringVar(&confPath, "cni-conf", "/etc/cni/net.d/10-paddocknet.conflist", "CNI conflist to write")
	flag.StringVar(&bridge, "bridge", "paddock0", "bridge device for pods")
	klog.InitFlags(nil)
	flag.Parse()

	nodeName := os.Getenv("NODE_NAME")
	if nodeName == "" {
		klog.Fatal("NODE_NAME is not set (use the downward API: spec.nodeName)")
	}
	var cfg *rest.Config
	var err error
	if kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
		// Reach the API server directly rather than through the kubernetes
		// Service, which needs kube-proxy's rules first: CONTROL_PLANE_ENDPOINT
		// if set, else the server the node's kubelet uses (kubeadm's kubelet.conf,
		// mounted read-only). The service account token and CA stay as they are.
		if err == nil {
			if host := os.Getenv("CONTROL_PLANE_ENDPOINT"); host != "" {
				cfg.Host = "https://" + host
			} else if server := kubeletServer(kubeletConf); server != "" {
				cfg.Host = server
			}
		}
	}
	if err != nil {
		klog.Fatalf("kubernetes client config: %v", err)
	}
	client := kubernetes.NewForConfigOrDie(cfg)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactory(client, 0)
	nodeInformer := factory.Core().V1().Nodes()
	d := &daemon{nodeName: nodeName, confPath: confPath, bridge: bridge, nodes: nodeInformer.Lister(), ownedDests: map[string]bool{}}

	// Every event queues one key; the worker reconciles the whole (small) node set.
	queue := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	enqueue := func(any) { queue.Add("all") }
	if _, err := nodeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, n any) { enqueue(n) },
		DeleteFunc: enqueue,
	}); err != nil {
		klog.Fatalf("node informer: %v", err)
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), nodeInformer.Informer().HasSynced) {
		klog.Fatal("node cache did not sync")
	}
	klog.Infof("paddocknet on node %s: watching nodes", nodeName)
	go func() {
		<-ctx.Done()
		queue.ShutDown()
	}()
	for {
		key, quit := queue.Get()
		if quit {
			return
		}
		if err := d.reconcile(); err != nil {
			klog.Errorf("reconcile: %v (retrying)", err)
			queue.AddRateLimited(key)
		} else {
			queue.Forget(key)
		}
		queue.Done(key)
	}
}

func (d *daemon) reconcile() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	nodes, err := d.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	var allCIDRs []string
	var errs []string
	wanted := map[string]bool{}
	for _, n := range nodes {
		cidrs := podCIDRs(n)
		allCIDRs = append(allCIDRs, cidrs...)
		if n.Name == d.nodeName {
			if len(cidrs) > 0 {
				if err := d.writeConf(cidrs); err != nil {
					errs = append(errs, err.Error())
				}
			}
			continue
		}
		gw := internalIP(n)
		if gw == nil {
			continue
		}
		for _, c := range cidrs {
			_, dst, err := net.ParseCIDR(c)
			if err != nil || (dst.IP.To4() == nil) != (gw.To4() == nil) {
				continue
			}
			wanted[dst.String()] = true
			route := &netlink.Route{Dst: dst, Gw: gw, Protocol: routeProtocol}
			if err := netlink.RouteReplace(route); err != nil {
				errs = append(errs, fmt.Sprintf("route %s via %s: %v", dst, gw, err))
			}
		}
	}
	// Remove our routes to nodes that are gone.
	for dst := range d.ownedDests {
		if !wanted[dst] {
			_, ipn, _ := net.ParseCIDR(dst)
			if err := netlink.RouteDel(&netlink.Route{Dst: ipn, Protocol: routeProtocol}); err != nil && !os.IsNotExist(err) && err != syscall.ESRCH {
				errs = append(errs, fmt.Sprintf("delete route %s: %v", dst, err))
			}
		}
	}
	d.ownedDests = wanted
	if err := d.syncMasquerade(allCIDRs); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func podCIDRs(n *corev1.Node) []string {
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs
	}
	if n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}
	}
	return nil
}

func internalIP(n *corev1.Node) net.IP {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			if ip := net.ParseIP(a.Address); ip != nil && ip.To4() != nil {
				return ip
			}
		}
	}
	return nil
}

// mtu is the MTU of the interface holding the default route (the Docker network).
func mtu() int {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err == nil {
		for _, r := range routes {
			if r.Dst == nil || r.Dst.String() == "0.0.0.0/0" {
				if link, err := netlink.LinkByIndex(r.LinkIndex); err == nil {
					return link.Attrs().MTU
				}
			}
		}
	}
	return 1500
}

func (d *daemon) writeConf(cidrs []string) error {
	ranges := []any{}
	routes := []any{}
	for _, c := range cidrs {
		_, ipn, err := net.ParseCIDR(c)
		if err != nil {
			continue
		}
		ranges = append(ranges, []any{map[string]any{"subnet": ipn.String()}})
		if ipn.IP.To4() != nil {
			routes = append(routes, map[string]any{"dst": "0.0.0.0/0"})
		} else {
			routes = append(routes, map[string]any{"dst": "::/0"})
		}
	}
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "paddocknet",
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      d.bridge,
				"isGateway":   true,
				"ipMasq":      false, // paddocknet masquerades only traffic leaving the pod CIDRs
				"hairpinMode": true,
				"mtu":         mtu(),
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  ranges,
					"routes":  routes,
					"dataDir": "/run/cni-ipam-state",
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]any{"portMappings": true}},
		},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return err
	}
	if bytes.Equal(data, d.lastConf) {
		return nil
	}
	if old, err := os.ReadFile(d.confPath); err == nil && bytes.Equal(old, data) {
		d.lastConf = data
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(d.confPath), 0o755); err != nil {
		return err
	}
	tmp := d.confPath + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, d.confPath); err != nil {
		return err
	}
	d.lastConf = data
	klog.Infof("wrote %s for pod CIDRs %v", d.confPath, cidrs)
	return nil
}

// syncMasquerade keeps one nft table that masquerades IPv4 traffic from any
// pod CIDR to anywhere outside all pod CIDRs.
func (d *daemon) syncMasquerade(cidrs []string) error {
	var v4 []string
	for _, c := range cidrs {
		if _, ipn, err := net.ParseCIDR(c); err == nil && ipn.IP.To4() != nil {
			v4 = append(v4, ipn.String())
		}
	}
	sort.Strings(v4)
	var b strings.Builder
	b.WriteString("table ip paddocknet\ndelete table ip paddocknet\ntable ip paddocknet {\n")
	b.WriteString("  set podcidrs {\n    type ipv4_addr\n    flags interval\n")
	if len(v4) > 0 {
		fmt.Fprintf(&b, "    elements = { %s }\n", strings.Join(v4, ", "))
	}
	b.WriteString("  }\n  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n")
	b.WriteString("    ip saddr @podcidrs ip daddr != @podcidrs masquerade\n  }\n}\n")
	script := b.String()
	if script == d.lastNFT {
		return nil
	}
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft: %v: %s", err, strings.TrimSpace(string(out)))
	}
	d.lastNFT = script
	klog.Infof("masquerading traffic leaving pod CIDRs %v", v4)
	return nil
}

// kubeletServer returns the API server URL of the kubelet's kubeconfig, or "".
func kubeletServer(path string) string {
	if path == "" {
		return ""
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return ""
	}
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok {
		return ""
	}
	if cluster, ok := cfg.Clusters[ctx.Cluster]; ok && cluster.Server != "" {
		klog.Infof("using API server %s (from %s)", cluster.Server, path)
		return cluster.Server
	}
	return ""
}
