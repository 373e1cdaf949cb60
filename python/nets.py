"""The course's recurrent forecasters, exactly as rnncast's model/model.go Arch docs describe.

Every network takes x of shape (batch, steps, input_size), batch_first, and
starts from a zero state, as the course's Net does (h0 = zeros). Tensor names
(state_dict keys) are the ones rnncast's safetensors files use:

- seq2vec, seq2seq, vec2seq: rnn.weight_ih_l{k}, rnn.weight_hh_l{k}, rnn.bias_ih_l{k},
  rnn.bias_hh_l{k}, fc.weight, fc.bias
- encdec: encoder.* and decoder.* with the same suffixes, fc.weight, fc.bias

Each class also has step(x_t, state) -> (y, state): one stateful step with a
carried state (None = zeros), rnncast's stateful serving semantics.
"""

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def make_rnn(cell, input_size, hidden_size, num_layers, nonlinearity="tanh", bias=True):
    """Returns nn.RNN / nn.LSTM / nn.GRU with batch_first=True."""
    kw = dict(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
              batch_first=True, bias=bias)
    if cell == "rnn":
        kw["nonlinearity"] = nonlinearity
    return CELLS[cell](**kw)


def zero_state(cell, num_layers, batch, hidden_size):
    """Returns the zero initial state: h0, or (h0, c0) for LSTM."""
    h0 = torch.zeros(num_layers, batch, hidden_size)
    if cell == "lstm":
        return (h0, torch.zeros(num_layers, batch, hidden_size))
    return h0


def copy_state(state):
    """Returns a copy of a state (h or (h, c))."""
    if isinstance(state, tuple):
        return tuple(s.clone() for s in state)
    return state.clone()


class Net(nn.Module):
    """seq2vec, the course's Net: fc(out[:, -1, :]) over a window from h0 = zeros.

    With the defaults it is exactly the course's model: nn.RNN(input_size=1,
    hidden_size=32, num_layers=2, batch_first=True) + nn.Linear(32, 1).
    """

    arch = "seq2vec"

    def __init__(self, cell="rnn", input_size=1, hidden_size=32, num_layers=2, horizon=1,
                 nonlinearity="tanh", bias=True, target=0, highway=0):
        super().__init__()
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.input_size, self.horizon, self.target = input_size, horizon, target
        self.nonlinearity, self.bias = nonlinearity, bias
        self.rnn = make_rnn(cell, input_size, hidden_size, num_layers, nonlinearity, bias)
        self.fc = nn.Linear(hidden_size, horizon, bias=bias)
        # LSTNet's highway: a linear map of the window's last `highway` target values,
        # added to the head (seq2vec, window mode only; 0: none).
        self.highway_len = highway
        if highway:
            self.highway = nn.Linear(highway, horizon, bias=False)

    def zeros(self, batch):
        return zero_state(self.cell, self.num_layers, batch, self.hidden_size)

    def forward(self, x):
        out, _ = self.rnn(x, self.zeros(x.size(0)))
        y = self.fc(out[:, -1, :])
        if self.highway_len and self.arch == "seq2vec":
            y = y + self.highway(x[:, -self.highway_len:, self.target])
        return y

    def step(self, x_t, state=None):
        """One carried step: x_t (batch, input_size) -> (fc(top h_t), new state)."""
        if state is None:
            state = self.zeros(x_t.size(0))
        out, state = self.rnn(x_t.unsqueeze(1), state)
        return self.fc(out[:, -1, :]), state


class Seq2Seq(Net):
    """seq2seq: the head at every step; forward returns (batch, steps, horizon).

    Served, the forecast is the head's output at the newest step, so step() is Net's.
    """

    arch = "seq2seq"

    def forward(self, x):
        out, _ = self.rnn(x, self.zeros(x.size(0)))
        return self.fc(out)


class EncDec(nn.Module):
    """encdec: an encoder runs over the window; its final state seeds a decoder.

    The decoder (input size 1, same cell, hidden size and layers) gets the
    window's last target value first, then feeds back its own scalar output
    (fc: hidden -> 1) for horizon steps. forward returns (batch, horizon).
    """

    arch = "encdec"

    def __init__(self, cell="rnn", input_size=1, hidden_size=32, num_layers=2, horizon=1,
                 nonlinearity="tanh", bias=True, target=0):
        super().__init__()
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.input_size, self.horizon, self.target = input_size, horizon, target
        self.nonlinearity, self.bias = nonlinearity, bias
        self.encoder = make_rnn(cell, input_size, hidden_size, num_layers, nonlinearity, bias)
        self.decoder = make_rnn(cell, 1, hidden_size, num_layers, nonlinearity, bias)
        self.fc = nn.Linear(hidden_size, 1, bias=bias)

    def zeros(self, batch):
        return zero_state(self.cell, self.num_layers, batch, self.hidden_size)

    def decode(self, first, state):
        """Runs the decoder for horizon steps from state; first is (batch, 1)."""
        inp, outs = first.unsqueeze(1), []
        for _ in range(self.horizon):
            out, state = self.decoder(inp, state)
            y = self.fc(out[:, -1, :])
            outs.append(y)
            inp = y.unsqueeze(1)
        return torch.cat(outs, dim=1)

    def forward(self, x):
        _, state = self.encoder(x, self.zeros(x.size(0)))
        return self.decode(x[:, -1, self.target:self.target + 1], state)

    def step(self, x_t, state=None):
        """Advances the encoder state by x_t, then decodes from a copy of it."""
        if state is None:
            state = self.zeros(x_t.size(0))
        _, state = self.encoder(x_t.unsqueeze(1), state)
        y = self.decode(x_t[:, self.target:self.target + 1], copy_state(state))
        return y, state


class Vec2Seq(nn.Module):
    """vec2seq: the newest reading, repeated, is the input at each of horizon steps from zeros.

    fc maps each step's top hidden state to one value; forward returns (batch, horizon).
    """

    arch = "vec2seq"

    def __init__(self, cell="rnn", input_size=1, hidden_size=32, num_layers=2, horizon=1,
                 nonlinearity="tanh", bias=True, target=0):
        super().__init__()
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.input_size, self.horizon, self.target = input_size, horizon, target
        self.nonlinearity, self.bias = nonlinearity, bias
        self.rnn = make_rnn(cell, input_size, hidden_size, num_layers, nonlinearity, bias)
        self.fc = nn.Linear(hidden_size, 1, bias=bias)

    def zeros(self, batch):
        return zero_state(self.cell, self.num_layers, batch, self.hidden_size)

    def forward(self, x):
        v = x[:, -1, :].unsqueeze(1).repeat(1, self.horizon, 1)
        out, _ = self.rnn(v, self.zeros(x.size(0)))
        return self.fc(out).squeeze(-1)

    def step(self, x_t, state=None):
        """vec2seq carries no state: the forecast depends on x_t alone."""
        return self.forward(x_t.unsqueeze(1)), None


ARCHS = {"seq2vec": Net, "seq2seq": Seq2Seq, "encdec": EncDec, "vec2seq": Vec2Seq}
