package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/buildinfo"
	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/store/cache"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
)

// commonFlags are shared by the commands that open a data directory.
type commonFlags struct {
	data       string
	logJSON    bool
	logLevel   string
	timeOffset time.Duration
	keyRefresh time.Duration
}

func (c *commonFlags) register(fs *flag.FlagSet, defaultData string) {
	fs.StringVar(&c.data, "data", defaultData, "data directory (embedded SQLite store, keys, local CA)")
	fs.BoolVar(&c.logJSON, "log-json", false, "write logs as JSON")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.DurationVar(&c.timeOffset, "time-offset", 0, "shift the server clock (for testing token expiry in CI, e.g. -2h)")
	fs.DurationVar(&c.keyRefresh, "key-refresh", 30*time.Second, "how often a running server reloads signing keys (picks up `gatehouse keys rotate` and other replicas' rotations)")
}

func (c *commonFlags) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.logJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
}

func (c *commonFlags) clock() func() time.Time {
	if c.timeOffset == 0 {
		return time.Now
	}
	off := c.timeOffset
	return func() time.Time { return time.Now().Add(off) }
}

// openStore opens the embedded store and the key manager of a data dir.
// The store comes wrapped in the directory read cache (store/cache); the
// key manager keeps the plain store, as keys are never cached. Closing the
// returned store closes the database.
func openStore(ctx context.Context, dataDir string, clock func() time.Time, log *slog.Logger) (store.Store, *keys.Manager, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data directory: %w", err)
	}
	// The store's files are 0600 whatever the directory allows (sqlite.Open);
	// a directory others can write to still lets them replace the files.
	if fi, err := os.Stat(dataDir); err == nil && fi.Mode().Perm()&0o022 != 0 {
		log.Warn("the data directory is writable by other users: they could replace the store; make it 0700", "dir", dataDir,
			"mode", fi.Mode().Perm().String())
	}
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "gatehouse.db"), sqlite.WithClock(clock))
	if err != nil {
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	km, err := keys.NewManager(ctx, keys.Config{Store: db, Clock: clock, Logger: log})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return cache.New(db), km, nil
}

func runVersion() error {
	fmt.Println("gatehouse", buildinfo.String())
	return nil
}
