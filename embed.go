// Package feedwatch embeds the shipped defaults: the example configuration,
// the topics file and the digest templates. The operator's own files override
// them; these are what runs when nothing is configured.
package feedwatch

import "embed"

// Defaults holds config/ and templates/ as shipped.
//
//go:embed config/*.yaml templates/*.tmpl
var Defaults embed.FS
