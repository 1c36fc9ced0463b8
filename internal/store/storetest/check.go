package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The helpers fail the test with the call that went wrong, the result and
// the expectation: `GetUser("u1") = not found, want nil`.

// must fails the test if err is not nil.
func must(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v, want nil", fmt.Sprintf(format, args...), err)
	}
}

// mustErr fails the test unless errors.Is(err, want).
func mustErr(t *testing.T, err, want error, format string, args ...any) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s = %v, want %s", fmt.Sprintf(format, args...), err, errName(want))
	}
}

// mustFail fails the test if err is nil.
func mustFail(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s = nil, want an error", fmt.Sprintf(format, args...))
	}
}

func errName(err error) string {
	switch err {
	case store.ErrNotFound:
		return "ErrNotFound"
	case store.ErrConflict:
		return "ErrConflict"
	}
	return fmt.Sprintf("%q", err)
}

// mustEqual fails the test unless got and want are deeply equal.
func mustEqual[T any](t *testing.T, got, want T, format string, args ...any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %s, want %s", fmt.Sprintf(format, args...), dump(got), dump(want))
	}
}

// mustIDs fails the test unless the objects' ids are exactly want, in any order.
func mustIDs[T any](t *testing.T, got []*T, id func(*T) string, want []string, format string, args ...any) {
	t.Helper()
	ids := make([]string, len(got))
	for i, v := range got {
		ids[i] = id(v)
	}
	mustSet(t, ids, want, format, args...)
}

// mustOrder fails the test unless the objects' ids are exactly want, in
// that order, and the list is not nil.
func mustOrder[T any](t *testing.T, got []*T, id func(*T) string, want []string, format string, args ...any) {
	t.Helper()
	ids := make([]string, len(got))
	for i, v := range got {
		ids[i] = id(v)
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("%s = %q, want %q in this order", fmt.Sprintf(format, args...), ids, want)
	}
	mustNotNil(t, got, format, args...)
}

// mustNotNil fails the test if a list is nil: an empty list must be an
// empty slice, so that it encodes as [] rather than null.
func mustNotNil[T any](t *testing.T, got []T, format string, args ...any) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s = nil, want an empty slice", fmt.Sprintf(format, args...))
	}
}

// mustSet fails the test unless got holds exactly want, in any order.
func mustSet(t *testing.T, got, want []string, format string, args ...any) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", fmt.Sprintf(format, args...), got, want)
	}
}

// dump renders a value for a failure message.
func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// The adapters below turn a method's results into what a table of calls
// holds.

// second returns a call's error, dropping its value.
func second[T any](_ T, err error) error { return err }

// count returns a list call's length and error.
func count[T any](list []T, err error) (int, error) { return len(list), err }

// only returns the single element of a list.
func only[T any](list []*T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, fmt.Errorf("list returned %d objects, want 1", len(list))
	}
	return list[0], nil
}
