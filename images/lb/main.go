// paddock-lb is the TCP load balancer of Paddock clusters: it spreads the
// API server port over every control-plane node, skipping nodes that do not
// answer, and can later carry ingress or LoadBalancer ports. It reads its
// listeners from a JSON file and re-reads it when the file changes, so
// control planes can be added without restarting the container.
//
// Config (file, or PADDOCK_LB_CONFIG at start): {"listeners":[{"listen":":6443","backends":["cp1:6443","cp2:6443"]}]}
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type listenerConfig struct {
	Listen   string   `json:"listen"`
	Backends []string `json:"backends"`
}

type config struct {
	Listeners []listenerConfig `json:"listeners"`
}

// backendSet is swapped atomically on reload; connections in flight keep theirs.
type backendSet struct {
	addrs []string
	next  atomic.Uint64
}

type listener struct {
	ln       net.Listener
	backends atomic.Pointer[backendSet]
}

// health remembers recent dial failures so new connections skip dead nodes.
type health struct {
	mu        sync.Mutex
	downUntil map[string]time.Time
}

func (h *health) down(addr string) {
	h.mu.Lock()
	h.downUntil[addr] = time.Now().Add(2 * time.Second)
	h.mu.Unlock()
}

func (h *health) up(addr string) {
	h.mu.Lock()
	delete(h.downUntil, addr)
	h.mu.Unlock()
}

func (h *health) isDown(addr string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Now().Before(h.downUntil[addr])
}

var dialTimeout = 1 * time.Second

func (l *listener) serve(h *health) {
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Printf("accept on %s: %v", l.ln.Addr(), err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go l.handle(conn, h)
	}
}

func (l *listener) handle(client net.Conn, h *health) {
	defer client.Close()
	set := l.backends.Load()
	if set == nil || len(set.addrs) == 0 {
		return
	}
	n := len(set.addrs)
	start := int(set.next.Add(1)) % n
	// Healthy backends first, then the ones marked down (they may be back).
	order := make([]string, 0, n)
	var later []string
	for i := 0; i < n; i++ {
		a := set.addrs[(start+i)%n]
		if h.isDown(a) {
			later = append(later, a)
		} else {
			order = append(order, a)
		}
	}
	order = append(order, later...)
	for _, addr := range order {
		backend, err := net.DialTimeout("tcp", addr, dialTimeout)
		if err != nil {
			h.down(addr)
			continue
		}
		h.up(addr)
		pipe(client, backend)
		return
	}
	log.Printf("no backend of %s answers", l.ln.Addr())
}

func pipe(a, b net.Conn) {
	defer b.Close()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
}

type server struct {
	mu        sync.Mutex
	listeners map[string]*listener
	health    *health
}

func (s *server) apply(cfg config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, lc := range cfg.Listeners {
		seen[lc.Listen] = true
		l, ok := s.listeners[lc.Listen]
		if !ok {
			ln, err := net.Listen("tcp", lc.Listen)
			if err != nil {
				log.Printf("listen %s: %v", lc.Listen, err)
				continue
			}
			l = &listener{ln: ln}
			s.listeners[lc.Listen] = l
			go l.serve(s.health)
			log.Printf("listening on %s", lc.Listen)
		}
		l.backends.Store(&backendSet{addrs: append([]string(nil), lc.Backends...)})
		log.Printf("%s -> %v", lc.Listen, lc.Backends)
	}
	for addr, l := range s.listeners {
		if !seen[addr] {
			_ = l.ln.Close()
			delete(s.listeners, addr)
			log.Printf("closed %s", addr)
		}
	}
}

func readConfig(path string) (config, error) {
	var cfg config
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, err
	}
	err = json.Unmarshal(data, &cfg)
	return cfg, err
}

func main() {
	path := flag.String("config", "/etc/paddock-lb/config.json", "listeners and backends (JSON)")
	flag.Parse()
	s := &server{listeners: map[string]*listener{}, health: &health{downUntil: map[string]time.Time{}}}
	var lastMod time.Time
	var lastSize int64 = -1
	// The first config can come from the environment, so the container needs
	// no file written into it before it starts.
	if env := os.Getenv("PADDOCK_LB_CONFIG"); env != "" {
		var cfg config
		if err := json.Unmarshal([]byte(env), &cfg); err != nil {
			log.Fatalf("PADDOCK_LB_CONFIG: %v", err)
		}
		s.apply(cfg)
	}
	load := func() {
		st, err := os.Stat(*path)
		if err != nil {
			return
		}
		if st.ModTime().Equal(lastMod) && st.Size() == lastSize {
			return
		}
		cfg, err := readConfig(*path)
		if err != nil {
			log.Printf("config %s: %v", *path, err)
			return
		}
		lastMod, lastSize = st.ModTime(), st.Size()
		s.apply(cfg)
	}
	load()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			lastSize = -1
			load()
		case <-tick.C:
			load()
		}
	}
}
