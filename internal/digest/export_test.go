package digest

// SetAfterChunk makes b call f after each chunk of deliveries is committed,
// with the number queued so far, so that a test can stop a build there.
func (b *Builder) SetAfterChunk(f func(queued int)) { b.afterChunk = f }
