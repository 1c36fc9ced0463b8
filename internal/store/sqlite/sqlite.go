package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/store"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is the SQLite implementation of store.Store. It is safe for
// concurrent use.
type Store struct {
	db  *sql.DB
	now func() time.Time
	// writer holds one token: a write waits for it before it begins a
	// transaction (see the package comment).
	writer chan struct{}
	// stmts are the token endpoint's reads, prepared once.
	stmts statements
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that decides whether security state has expired.
// The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// memoryPath opens a private in-memory database. Each SQLite connection to
// ":memory:" is a separate database, so such a store uses one connection.
const memoryPath = ":memory:"

// busyTimeout is how long a statement waits for another process's write lock
// before it fails with SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// Open opens (creating if needed) the database at path, or a private
// in-memory database for ":memory:", and applies pending schema migrations.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite store: empty path")
	}
	s := &Store{now: time.Now, writer: make(chan struct{}, 1)}
	for _, opt := range opts {
		opt(s)
	}
	if path != memoryPath {
		if err := privateFiles(path); err != nil {
			return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
		}
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	conns := 1
	if path != memoryPath {
		// Readers do not block each other in WAL mode; one connection per
		// CPU lets the token endpoint's lookups run in parallel.
		conns = max(4, runtime.GOMAXPROCS(0))
	}
	db.SetMaxOpenConns(conns)
	// Keep every connection: opening one re-runs the pragmas, and closing
	// the last ":memory:" connection would drop the database.
	db.SetMaxIdleConns(conns)
	s.db = db
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if err := s.stmts.prepare(ctx, db); err != nil {
		s.stmts.close()
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return s, nil
}

// privateFiles creates the database file readable by its owner only, and
// narrows an existing one and its -wal and -shm files to that, whatever the
// umask or the directory's mode: the store holds the signing keys' private
// halves and the portal's tokens (security review F8). SQLite gives the
// -wal and -shm files it creates the database file's mode.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// dsn builds the driver's connection string. The pragmas run on every new
// connection: WAL for concurrent readers, synchronous=NORMAL (durable
// enough in WAL mode, and one fsync per checkpoint instead of per commit),
// foreign keys for group_members, busy_timeout for other processes.
// _txlock=immediate makes every BeginTx a BEGIN IMMEDIATE.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	// SQLite parses the name as a URI: escape what would end the path.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + q.Encode()
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.close()
	return s.db.Close()
}

// dataKind says what a write changes.
type dataKind int

const (
	// otherData is security state, signing keys and the schema.
	otherData dataKind = iota
	// directoryData is directory objects: the write also increments the
	// directory version, in its transaction.
	directoryData
)

// write runs fn in a write transaction and commits it. Errors from fn are
// returned unchanged; the transaction is rolled back, and with it the
// increment of the directory version of a directoryData write.
func (s *Store) write(ctx context.Context, kind dataKind, fn func(tx *sql.Tx) error) error {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writer }()

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback() // no-op after Commit; covers a panicking closure
	if err := fn(tx); err != nil {
		return err
	}
	if kind == directoryData {
		if _, err := tx.ExecContext(ctx, `UPDATE directory_version SET version = version + 1 WHERE id = 1`); err != nil {
			return fmt.Errorf("increment directory version: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
