package train

import "math"

// adam is the Adam optimizer (Kingma & Ba) with bias correction over a flat
// parameter vector.
type adam struct {
	lr, b1, b2, eps float64
	m, v            []float64
	t               int
}

func newAdam(n int, lr float64) *adam {
	return &adam{lr: lr, b1: 0.9, b2: 0.999, eps: 1e-8, m: make([]float64, n), v: make([]float64, n)}
}

// step updates p along the gradient g.
func (a *adam) step(p, g []float64) {
	a.t++
	c1 := 1 - math.Pow(a.b1, float64(a.t))
	c2 := 1 - math.Pow(a.b2, float64(a.t))
	for i, gi := range g {
		a.m[i] = a.b1*a.m[i] + (1-a.b1)*gi
		a.v[i] = a.b2*a.v[i] + (1-a.b2)*gi*gi
		p[i] -= a.lr * (a.m[i] / c1) / (math.Sqrt(a.v[i]/c2) + a.eps)
	}
}

// clipNorm scales g so that its Euclidean norm is at most max, and returns
// the norm before clipping.
func clipNorm(g []float64, max float64) float64 {
	var s float64
	for _, v := range g {
		s += v * v
	}
	n := math.Sqrt(s)
	if n > max {
		k := max / n
		for i := range g {
			g[i] *= k
		}
	}
	return n
}
