package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// EnvPrefix starts every environment variable that overrides a key.
const EnvPrefix = "FEEDWATCH_"

// applyEnv sets every scalar key that has a FEEDWATCH_* variable in environ.
// Lists (feeds) are not settable from the environment.
func applyEnv(cfg *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			env[k] = v
		}
	}
	if len(env) == 0 {
		return nil
	}
	return walkScalars(reflect.ValueOf(cfg).Elem(), "", func(path string, v reflect.Value) error {
		name := EnvName(path)
		s, ok := env[name]
		if !ok {
			return nil
		}
		if err := setScalar(v, s); err != nil {
			return &FieldError{File: "environment", Key: name, Msg: err.Error()}
		}
		return nil
	})
}

// EnvName is the environment variable that overrides the dotted key path.
func EnvName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// walkScalars calls fn for every settable scalar field, with its dotted YAML path.
func walkScalars(v reflect.Value, prefix string, fn func(path string, v reflect.Value) error) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		path := tag
		if prefix != "" {
			path = prefix + "." + tag
		}
		fv := v.Field(i)
		switch {
		case f.Type == reflect.TypeOf(Duration(0)), f.Type == reflect.TypeOf(ByteSize(0)):
			if err := fn(path, fv); err != nil {
				return err
			}
		case fv.Kind() == reflect.Struct:
			if err := walkScalars(fv, path, fn); err != nil {
				return err
			}
		case fv.Kind() == reflect.Slice:
			// not settable from the environment
		default:
			if err := fn(path, fv); err != nil {
				return err
			}
		}
	}
	return nil
}

func setScalar(v reflect.Value, s string) error {
	if v.Type() == reflect.TypeOf(Duration(0)) {
		d, err := ParseDuration(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	if v.Type() == reflect.TypeOf(ByteSize(0)) {
		b, err := ParseByteSize(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(b))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		v.SetInt(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// Masked returns a copy safe to print: secrets are never in the file, but
// usernames in feed URLs may carry passwords.
func (c Config) Masked() Config {
	out := c
	out.Feeds = append([]Feed(nil), c.Feeds...)
	for i, f := range out.Feeds {
		if u, err := urlWithoutPassword(f.URL); err == nil {
			out.Feeds[i].URL = u
		}
	}
	return out
}

// misspelledEnv returns a warning for each FEEDWATCH_* variable that
// overrides no key but is one or two letters away from a key's variable:
// FEEDWATCH_POLL_WORKRS would otherwise be ignored without a word. Other
// FEEDWATCH_* names (secrets named by *_env keys, FEEDWATCH_CONFIG, tools'
// own variables) are too far from any key to be taken for one.
func misspelledEnv(environ []string) []string {
	var keys []string
	cfg := Defaults()
	walkScalars(reflect.ValueOf(&cfg).Elem(), "", func(path string, _ reflect.Value) error {
		keys = append(keys, EnvName(path))
		return nil
	})
	var warnings []string
	for _, kv := range environ {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || slices.Contains(keys, name) {
			continue
		}
		best, bestDist := "", 3
		for _, k := range keys {
			if d := editDistance(name, k, bestDist); d < bestDist {
				best, bestDist = k, d
			}
		}
		if best != "" {
			warnings = append(warnings, fmt.Sprintf("environment: %s overrides no key; did you mean %s?", name, best))
		}
	}
	return warnings
}

// editDistance is the Levenshtein distance between a and b, or limit when
// it is at least limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
