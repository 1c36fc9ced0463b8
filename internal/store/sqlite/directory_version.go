package sqlite

import (
	"context"
	"fmt"
)

// DirectoryVersion returns the counter every directory write increments
// (see write): one row of its own, so reading it costs one indexed lookup.
func (s *Store) DirectoryVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.stmts.directoryVersion.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("read directory version: %w", err)
	}
	return v, nil
}
