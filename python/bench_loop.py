"""A careful plain Python streaming forecaster, the yardstick of `rnncast bench`.

It serves the same model the same way rnncast's stateful mode does, with the
libraries a Python team would pick: a confluent-kafka consumer (one group
member owning every partition) and producer (acks=all), micro-batches of up
to --batch records, one batched PyTorch GRU step per round of the batch's
keys (a round holds each key at most once, in order, as rnncast's rounds
do), a dict from sensor id to its row of a hidden-state tensor, and one
forecast JSON record per reading, written to the input's partition number.
Each batch's forecasts are flushed (acknowledged) before its offsets are
committed: at-least-once, like rnncast. What it leaves out, and rnncast does:
event-time windows and gap handling, dead letters, state checkpoints, live
scoring, metrics, a web view.

It reads every record of --input (all partitions, from the beginning, with a
fresh group) and reports, from the first record fetched to the last forecast
acknowledged: records per second, and the process's CPU time (user + system,
every thread, librdkafka's included) per record, as `rnncast bench` reports
its own.

    python bench_loop.py --brokers 127.0.0.1:9092 --input bench-in --output bench-out \\
        --model ../models/demo.safetensors

The input is what `rnncast simulate` writes: key sensor-NNNN, value
{"ts": "<RFC 3339>", "value": <number>}. Requirements: requirements-bench.txt.
"""

import argparse
import json
from json.encoder import encode_basestring
import resource
import time
import uuid

import torch
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from safetensors import safe_open
from torch import nn


def cpu_seconds():
    """Returns the user plus system CPU time of this process so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class Model:
    """The demo model's stateful step: one GRU layer, a linear head to H values.

    Inputs are scaled by the file's mean and std; with norm "last" the head's
    outputs are offsets from the current scaled reading (rnncast's NormLast in
    stateful mode).
    """

    def __init__(self, path):
        with safe_open(path, framework="pt") as f:
            meta = f.metadata()
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        if meta["cell"] != "gru" or meta["layers"] != "1" or meta["input_size"] != "1":
            raise SystemExit(f"bench_loop: {path}: want a 1-layer GRU of one input, got {meta}")
        self.hidden = int(meta["hidden_size"])
        self.horizon = int(meta["horizon"])
        self.mean = json.loads(meta.get("mean", "[0]"))[0]
        self.std = json.loads(meta.get("std", "[1]"))[0]
        self.norm_last = meta.get("norm", "none") == "last"
        self.name, self.version = meta.get("name", ""), meta.get("version", "")
        self.cell = nn.GRUCell(1, self.hidden)
        self.fc = nn.Linear(self.hidden, self.horizon)
        with torch.no_grad():
            for ours, theirs in [("weight_ih", "weight_ih_l0"), ("weight_hh", "weight_hh_l0"),
                                 ("bias_ih", "bias_ih_l0"), ("bias_hh", "bias_hh_l0")]:
                getattr(self.cell, ours).copy_(tensors["rnn." + theirs])
            self.fc.weight.copy_(tensors["fc.weight"])
            self.fc.bias.copy_(tensors["fc.bias"])

    def step(self, values, h):
        """Advances hidden states h (rows×hidden) by readings values (rows)
        and returns the new states and the forecasts (rows×horizon), in
        original units."""
        x = ((values - self.mean) / self.std).unsqueeze(1)
        h = self.cell(x, h)
        y = self.fc(h)
        if self.norm_last:
            y = y + x
        return h, y * self.std + self.mean


class States:
    """The hidden state of every sensor seen: a dict from sensor id to its
    row of one tensor, grown by doubling."""

    def __init__(self, hidden):
        self.rows = {}
        self.h = torch.zeros(1024, hidden)

    def index(self, keys):
        """Returns the rows of keys, adding zero states for new ones."""
        out = []
        for k in keys:
            r = self.rows.get(k)
            if r is None:
                r = len(self.rows)
                self.rows[k] = r
                if r == self.h.shape[0]:
                    self.h = torch.cat([self.h, torch.zeros_like(self.h)])
            out.append(r)
        return torch.tensor(out)


def rounds(msgs):
    """Splits a batch into rounds: round r holds each key's r-th reading."""
    seen = {}
    out = []
    for m in msgs:
        r = seen.get(m[0], 0)
        seen[m[0]] = r + 1
        if r == len(out):
            out.append([])
        out[r].append(m)
    return out


def forecast_template(model, topic):
    """Returns the %-format of one forecast record, rnncast's output JSON:
    sensor (a JSON string), ts, the H forecast values, partition, offset.
    Values are written with 9 significant digits, enough to round-trip a
    float32 (rnncast writes the shortest such form; json.dumps of the
    float64s would cost five times as much)."""
    values = ",".join(["%.9g"] * model.horizon)
    model_json = json.dumps({"name": model.name, "version": model.version}, separators=(",", ":"))
    return ('{"sensor":%s,"ts":"%s","interval":"1h","horizon":' + str(model.horizon) +
            ',"forecast":[' + values + '],"model":' + model_json.replace("%", "%%") +
            ',"input":{"topic":' + json.dumps(topic).replace("%", "%%") + ',"partition":%d,"offset":%d}}')


def total_records(consumer, topic):
    """Returns the number of records in topic and its partition count (the
    sum of the high watermarks: the topic is new, every low watermark 0)."""
    md = consumer.list_topics(topic, timeout=30)
    parts = md.topics[topic].partitions
    if not parts:
        raise SystemExit(f"bench_loop: topic {topic} has no partitions")
    n = sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in parts)
    return n, len(parts)


def create_topic(brokers, topic, partitions):
    """Creates topic with that many partitions, unless it exists."""
    admin = AdminClient({"bootstrap.servers": brokers})
    for f in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        try:
            f.result()
        except KafkaException as e:
            if e.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise


def run(a):
    torch.set_num_threads(1)  # tiny ops: threads would cost more than they give
    model = Model(a.model)
    states = States(model.hidden)
    consumer = Consumer({"bootstrap.servers": a.brokers, "group.id": "bench-loop-" + uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    producer = Producer({"bootstrap.servers": a.brokers, "acks": "all", "linger.ms": 5,
                         "enable.idempotence": False})
    template = forecast_template(model, a.input)
    want, partitions = total_records(consumer, a.input)
    create_topic(a.brokers, a.output, partitions)
    cpu0 = cpu_seconds()
    consumer.subscribe([a.input])
    done, first = 0, None
    with torch.no_grad():
        while done < want:
            batch = consumer.consume(num_messages=a.batch, timeout=a.max_delay)
            if not batch:
                continue
            if first is None:
                first = time.monotonic()
            msgs = []
            for m in batch:
                if m.error():
                    raise KafkaException(m.error())
                r = json.loads(m.value().decode())  # str: loads skips its encoding sniffing
                msgs.append((m.key().decode(), r["ts"], float(r["value"]), m.partition(), m.offset()))
            for rnd in rounds(msgs):
                rows = states.index([m[0] for m in rnd])
                h, y = model.step(torch.tensor([m[2] for m in rnd]), states.h.index_select(0, rows))
                states.h.index_copy_(0, rows, h)
                for m, f in zip(rnd, y.tolist()):
                    value = template % (encode_basestring(m[0]), m[1], *f, m[3], m[4])
                    producer.produce(a.output, key=m[0], value=value, partition=m[3])
                producer.poll(0)  # no delivery callbacks: once a round serves the queue
            if producer.flush(60) != 0:
                raise SystemExit("bench_loop: forecasts not acknowledged within 60s")
            consumer.commit(asynchronous=True)
            done += len(batch)
    span = time.monotonic() - first
    cpu = cpu_seconds() - cpu0
    consumer.close()
    print(f"python loop: {done} records in {span:.3f}s: {done / span:.0f} records/s; "
          f"process CPU {cpu / done * 1e6:.2f} µs/record ({len(states.rows)} sensors, batch {a.batch}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} thread)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--brokers", required=True, help="bootstrap brokers, host:port,...")
    p.add_argument("--input", required=True, help="topic of readings (read whole)")
    p.add_argument("--output", required=True, help="topic the forecasts go to (same partitions)")
    p.add_argument("--model", default="../models/demo.safetensors", help="safetensors model: 1-layer GRU")
    p.add_argument("--batch", type=int, default=512, help="records per micro-batch")
    p.add_argument("--max-delay", type=float, default=0.02, help="seconds a batch waits for records")
    run(p.parse_args())


if __name__ == "__main__":
    main()
