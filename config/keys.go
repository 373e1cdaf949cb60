package config

import (
	"reflect"
	"strings"
)

// Keys returns the dotted YAML path of every leaf field ("kafka.brokers",
// "shutdown_timeout", ...) in declaration order. Tests use it to check that
// the example file and the README document every key.
func Keys() []string {
	return appendKeys(nil, "", reflect.TypeFor[Config]())
}

func appendKeys(dst []string, prefix string, t reflect.Type) []string {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.Type.Kind() == reflect.Struct {
			dst = appendKeys(dst, prefix+name+".", f.Type)
			continue
		}
		dst = append(dst, prefix+name)
	}
	return dst
}
