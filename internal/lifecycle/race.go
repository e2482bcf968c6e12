//go:build race

package lifecycle

import "time"

// defaultStep under the race detector, which makes each dispatch several
// times slower: an hour keeps the fortnight short, and the checks allow a
// scheduled mail to be a step late.
const defaultStep = time.Hour
