package connect

import (
	"net/http"
	"strconv"
	"time"
)

// RetryAfterBudget keeps client-go's Retry-After retries inside each
// request's deadline. client-go retries a 429 (or a 5xx) that carries
// Retry-After up to ten times, sleeping as the server asks; it stops at the
// request timeout, but then says only "context deadline exceeded". A
// response whose Retry-After would end past the request's deadline goes
// back to client-go without that header, so the call fails at once with
// the server's own answer (429 Too Many Requests) and its message can say
// so; waits that fit within the deadline are still retried.
type RetryAfterBudget struct {
	Base http.RoundTripper
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// WrappedRoundTripper returns Base, so that client-go can cancel a request
// through it (a timed-out request otherwise logs "unable to cancel").
func (t *RetryAfterBudget) WrappedRoundTripper() http.RoundTripper { return t.Base }

// RoundTrip implements http.RoundTripper.
func (t *RetryAfterBudget) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	ra := resp.Header.Get("Retry-After")
	if ra == "" {
		return resp, nil
	}
	deadline, ok := req.Context().Deadline()
	if !ok {
		return resp, nil
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	secs, perr := strconv.Atoi(ra)
	if perr != nil || secs < 0 || now().Add(time.Duration(secs)*time.Second).After(deadline) {
		resp.Header = resp.Header.Clone()
		resp.Header.Del("Retry-After")
	}
	return resp, nil
}
