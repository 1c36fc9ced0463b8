package registry

import "fmt"

// BadRequestError is a request the directory refuses (Graph:
// Request_BadRequest).
type BadRequestError struct{ Msg string }

func (e *BadRequestError) Error() string { return e.Msg }

func badRequest(format string, args ...any) error {
	return &BadRequestError{Msg: fmt.Sprintf(format, args...)}
}

// UniquenessError is a write that would break a uniqueness rule (Graph:
// Request_MultipleObjectsWithSameKeyValue).
type UniquenessError struct{ Msg string }

func (e *UniquenessError) Error() string { return e.Msg }
