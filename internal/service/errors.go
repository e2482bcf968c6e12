package service

import "fmt"

// Kind is the class of an operation's failure, what callers branch on: an
// HTTP status, an exit code, a form's message.
type Kind string

const (
	Invalid     Kind = "invalid"     // bad input; Field names it
	NotFound    Kind = "not_found"   // no such feed, subscriber, delivery, key
	Conflict    Kind = "conflict"    // the name or address is taken
	ReadOnly    Kind = "read_only"   // a feed from the config file: change it there
	Unreachable Kind = "unreachable" // the feed could not be fetched or is no feed
	Choose      Kind = "choose"      // a page advertises several feeds: pick one
	Unsupported Kind = "unsupported" // not available in this process or not yet built
)

// Error is an operation's failure: a message fit to show whoever asked
// (the operator, an admin, an API client), the field it concerns, and the
// cause for the log.
type Error struct {
	Kind  Kind
	Field string
	Msg   string
	Err   error
	// Candidates are the feeds a page advertises, for Kind Choose.
	Candidates []Candidate
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches errors of the same Kind: errors.Is(err, service.ErrNotFound).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Msg == "" && t.Err == nil
}

// Sentinels for errors.Is.
var (
	ErrInvalid     = &Error{Kind: Invalid}
	ErrNotFound    = &Error{Kind: NotFound}
	ErrConflict    = &Error{Kind: Conflict}
	ErrReadOnly    = &Error{Kind: ReadOnly}
	ErrUnreachable = &Error{Kind: Unreachable}
	ErrChoose      = &Error{Kind: Choose}
	ErrUnsupported = &Error{Kind: Unsupported}
)

func invalid(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}
