// Package lint holds repository-wide checks that run as tests: the import
// rules of docs/contracts.md (lint_test.go), that nothing reads outside the
// clone (selfcontained_test.go), and that DESIGN.md, docs/contracts.md and
// docs/design/ name only files, packages, identifiers and config keys that
// exist, with a complete file map, goroutine table and lock list
// (docs_test.go). It has no non-test code.
package lint
