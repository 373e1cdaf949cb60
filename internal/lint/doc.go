// Package lint holds repository-wide checks that run as tests: today, the
// import rules of docs/contracts.md. It has no non-test code.
package lint
