//go:build !race

package lifecycle

import "time"

// defaultStep is how far the clock moves between dispatches.
const defaultStep = 15 * time.Minute
