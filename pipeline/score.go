package pipeline

import "github.com/rnncast/rnncast/forecast"

// LiveScores is one micro-batch's live scoring (Observer.LiveErrors); see
// forecast.LiveScores.
type LiveScores = forecast.LiveScores

// LiveStep is one horizon step's scores of a micro-batch; see
// forecast.LiveStep.
type LiveStep = forecast.LiveStep
