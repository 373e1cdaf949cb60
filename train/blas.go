package train

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var impl gonum.Implementation

// mul computes c = beta·c + a·bᵀ (tb) or a·b, where a is m×k row-major
// (or k×m when ta), and c is m×n. It is the one matrix product of the package.
func mul(ta, tb bool, m, n, k int, a, b []float64, beta float64, c []float64) {
	if m == 0 || n == 0 {
		return
	}
	tA, lda := blas.NoTrans, k
	if ta {
		tA, lda = blas.Trans, m
	}
	tB, ldb := blas.NoTrans, n
	if tb {
		tB, ldb = blas.Trans, k
	}
	impl.Dgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, n)
}

// addRows adds v to each of the rows of m (rows of len(v) values).
func addRows(m, v []float64) {
	for i := 0; i < len(m); i += len(v) {
		row := m[i : i+len(v)]
		for j, x := range v {
			row[j] += x
		}
	}
}

// sumRows adds the column sums of m (rows of len(dst) values) to dst.
func sumRows(dst, m []float64) {
	for i := 0; i < len(m); i += len(dst) {
		for j, x := range m[i : i+len(dst)] {
			dst[j] += x
		}
	}
}
