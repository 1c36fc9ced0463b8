package registry

import (
	"errors"
	"fmt"
)

// BadRequestError is a request the directory refuses (Graph:
// Request_BadRequest).
type BadRequestError struct{ Msg string }

func (e *BadRequestError) Error() string { return e.Msg }

func badRequest(format string, args ...any) error {
	return &BadRequestError{Msg: fmt.Sprintf(format, args...)}
}

// UniquenessError is a write that would break a uniqueness rule (Graph:
// Request_MultipleObjectsWithSameKeyValue). Property names the property
// whose value is taken, when there is one.
type UniquenessError struct {
	Msg      string
	Property string
}

func (e *UniquenessError) Error() string { return e.Msg }

// DeniedError is a change or read the actor may not make (Graph: 403
// Authorization_RequestDenied). Msg says why in words an administrator can
// act on.
type DeniedError struct{ Msg string }

func (e *DeniedError) Error() string { return e.Msg }

func deny(format string, args ...any) error {
	return &DeniedError{Msg: fmt.Sprintf(format, args...)}
}

// IsDenied reports whether err is a refusal of authorization.
func IsDenied(err error) bool {
	var d *DeniedError
	return errors.As(err, &d)
}

// ErrActorInvalid is an actor whose user or service principal no longer
// exists or is disabled: its token must not be honoured (Graph: 401).
var ErrActorInvalid = errors.New("the caller no longer exists or is disabled")
