package config

import (
	"fmt"
	"reflect"
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
		case f.Type == reflect.TypeOf(Duration(0)):
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
