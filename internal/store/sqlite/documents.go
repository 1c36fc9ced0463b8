package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/store"
	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The helpers here are shared by every aggregate: each table keeps a JSON
// document in doc, read and written whole.

// querier is what reads need: the pool for plain reads, a transaction for
// the read of a read-modify-write.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// getDoc decodes the doc column of the single row query selects.
func getDoc[T any](ctx context.Context, q querier, query string, args ...any) (*T, error) {
	return scanDoc[T](q.QueryRowContext(ctx, query, args...))
}

// scanDoc decodes the doc column of a single-row result, from a query or a
// prepared statement.
func scanDoc[T any](row *sql.Row) (*T, error) {
	var doc []byte
	if err := row.Scan(&doc); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("decode document: %w", err)
	}
	return v, nil
}

// listDocs decodes the doc column of every row query selects. The result is
// never nil, so an empty list encodes as [] rather than null.
func listDocs[T any](ctx context.Context, q querier, query string, args ...any) ([]*T, error) {
	return scanDocs[T](q.QueryContext(ctx, query, args...))
}

// scanDocs is listDocs for the rows of a query or a prepared statement.
func scanDocs[T any](rows *sql.Rows, err error) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal(doc, v); err != nil {
			return nil, fmt.Errorf("decode document: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// insert encodes v and runs query in a write transaction with args followed
// by the document as the last parameter.
func (s *Store) insert(ctx context.Context, kind dataKind, query string, v any, args ...any) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode document: %w", err)
	}
	return s.write(ctx, kind, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, append(args, string(doc))...)
		return conflict(err)
	})
}

// rowKey is an object's primary key, for checking an update closure did not
// change it. Untenanted objects leave the first element empty.
type rowKey [2]string

// errKeyChanged rejects an update whose closure changed the object's key.
var errKeyChanged = errors.New("update closure changed the object's key")

// updateDoc is the read-modify-write of one document, in one write
// transaction: it reads the row query selects, applies fn, checks the key
// is unchanged and hands the encoded result to put. An error from fn is
// returned unchanged; other errors are wrapped with what.
func updateDoc[T any](ctx context.Context, s *Store, kind dataKind, what string, query string, args []any,
	key func(*T) rowKey, fn func(*T) error, put func(tx *sql.Tx, v *T, doc string) error,
) (*T, error) {
	var (
		out   *T
		fnErr error
	)
	err := s.write(ctx, kind, func(tx *sql.Tx) error {
		v, err := getDoc[T](ctx, tx, query, args...)
		if err != nil {
			return err
		}
		before := key(v)
		if fnErr = fn(v); fnErr != nil {
			return fnErr
		}
		if key(v) != before {
			return errKeyChanged
		}
		doc, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode document: %w", err)
		}
		if err := put(tx, v, string(doc)); err != nil {
			return conflict(err)
		}
		out = v
		return nil
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// deleteRows runs a delete in tx and reports how many rows it removed.
func deleteRows(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// deleteRow runs a delete in tx that must remove a row, or ErrNotFound.
func deleteRow(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	n, err := deleteRows(ctx, tx, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// deleteOne is deleteRow in its own write transaction.
func (s *Store) deleteOne(ctx context.Context, kind dataKind, query string, args ...any) error {
	return s.write(ctx, kind, func(tx *sql.Tx) error {
		return deleteRow(ctx, tx, query, args...)
	})
}

// conflict maps a unique or primary key violation to store.ErrConflict,
// keeping the driver's message, which names the constraint.
func conflict(err error) error {
	var e *sqlitedriver.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w (%v)", store.ErrConflict, err)
		}
	}
	return err
}

// nullable stores an empty secondary key as NULL, which no unique
// constraint compares equal to anything.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// folded is nullable for keys compared case-insensitively (tenant domain,
// userPrincipalName). Folding in Go rather than with SQL lower() keeps the
// rule identical across backends: SQLite's lower() folds only ASCII.
func folded(s string) any {
	return nullable(strings.ToLower(s))
}
