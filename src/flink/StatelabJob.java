import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * statelab's workload as a real Flink job, written by {@code statelab-cli export-flink-job}.
 *
 * <p>Usage: {@code flink run -c StatelabJob statelab-job.jar key=value ...}. Keys starting with
 * {@code statelab.} describe the workload; every other key goes verbatim into the job's
 * {@code Configuration} (so real Flink option names are what is set). All of them are also the
 * job's global job parameters, so {@code /jobs/<id>/config} shows them under {@code user-config}
 * and {@code statelab-cli calibrate} reads the workload back from {@code statelab.config}.
 *
 * <p>The source emits exactly the lab's records: the record at offset i has the key and value
 * the lab draws for offset i (SplitMix64 counter-based draws from the seed, ported from
 * {@code src/engine/rng.rs} and {@code partitioning/workload.rs}), from one source subtask so
 * offsets arrive in order, at the lab's constant rate. The keyed state per key is the lab's
 * value model in Flink types:
 * <ul>
 *   <li>counter: {@code ValueState<Long>} "counter", the sum of the key's record values;
 *   <li>events: {@code ListState<String>} "events", the last {@code keep} events as the lab renders
 *       them ({@code {"offset":…,"value":…,"kind":"…"}});
 *   <li>random_bytes: {@code ValueState<byte[]>} "bytes", the {@code len} bytes of the key's latest record.
 * </ul>
 * Keys are Strings spelled as the lab's key format says ({@code user-N} by default) or N as
 * a Long, as the lab's key kind says.
 */
public class StatelabJob {

    static final String[] KINDS = {"view", "click", "cart", "buy"};

    public static void main(String[] args) throws Exception {
        Map<String, String> all = new HashMap<>();
        Map<String, String> flink = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected key=value, got " + a);
            String k = a.substring(0, eq), v = a.substring(eq + 1);
            all.put(k, v);
            if (!k.startsWith("statelab.")) flink.put(k, v);
        }
        Workload w = new Workload(all);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(Configuration.fromMap(flink));
        env.getConfig().setGlobalJobParameters(new Params(all));
        if (w.stringKeys) {
            build(env, w, new StringRecords(w), Types.STRING);
        } else {
            build(env, w, new LongRecords(w), Types.LONG);
        }
        env.execute(all.getOrDefault("statelab.name", "statelab"));
    }

    static <K> void build(StreamExecutionEnvironment env, Workload w,
                          GeneratorFunction<Long, Tuple3<K, Long, Long>> gen, TypeInformation<K> keyType) {
        TypeInformation<Tuple3<K, Long, Long>> recType = Types.TUPLE(keyType, Types.LONG, Types.LONG);
        DataGeneratorSource<Tuple3<K, Long, Long>> src = new DataGeneratorSource<>(
                gen, w.limit, RateLimiterStrategy.perSecond(w.rate), recType);
        DataStream<Tuple3<K, Long, Long>> records = env
                .fromSource(src, WatermarkStrategy.noWatermarks(), "statelab-source")
                .setParallelism(1).uid("statelab-source");
        records.keyBy(t -> t.f0, keyType)
                .process(new Keep<K>(w)).uid("statelab-keyed").name("statelab-keyed")
                .sinkTo(new DiscardingSink<>()).uid("discard").name("discard");
    }

    /** The settings, as global job parameters: shown by the REST API under user-config. */
    public static class Params extends ExecutionConfig.GlobalJobParameters {
        private final HashMap<String, String> map;

        Params(Map<String, String> map) {
            this.map = new HashMap<>(map);
        }

        @Override
        public Map<String, String> toMap() {
            return map;
        }
    }

    /** The lab's workload settings and its record generator (a pure function of the offset). */
    public static class Workload implements Serializable {
        final long seed;
        final long keySpace;
        final boolean stringKeys;
        final String distribution;
        final long hotKeys;
        final long hotThreshold;
        final long[] threshold;
        final int[] alias;
        final String model;
        final int keep;
        final int len;
        final double rate;
        final long limit;
        final String keyPrefix;
        final int keyDigits;
        final long valueMin;
        final long valueMax;

        Workload(Map<String, String> p) {
            seed = Long.parseUnsignedLong(req(p, "statelab.seed"));
            keySpace = Long.parseLong(req(p, "statelab.key_space"));
            stringKeys = req(p, "statelab.key_kind").equals("string");
            distribution = req(p, "statelab.distribution");
            model = req(p, "statelab.value_model");
            keep = Integer.parseInt(p.getOrDefault("statelab.keep", "4"));
            len = Integer.parseInt(p.getOrDefault("statelab.len", "64"));
            rate = Double.parseDouble(req(p, "statelab.records_per_s"));
            keyPrefix = p.getOrDefault("statelab.key_prefix", "user-");
            keyDigits = Integer.parseInt(p.getOrDefault("statelab.key_digits", "0"));
            valueMin = Long.parseLong(p.getOrDefault("statelab.value_min", "1"));
            valueMax = Long.parseLong(p.getOrDefault("statelab.value_max", "1000"));
            String l = p.getOrDefault("statelab.limit", "");
            limit = l.isEmpty() ? Long.MAX_VALUE : Long.parseLong(l);
            if (distribution.equals("zipf")) {
                double exponent = Double.parseDouble(req(p, "statelab.exponent"));
                int n = (int) keySpace;
                double[] scaled = new double[n];
                double total = 0;
                for (int r = 0; r < n; r++) total += 1.0 / StrictMath.pow(r + 1.0, exponent);
                for (int r = 0; r < n; r++) scaled[r] = (1.0 / StrictMath.pow(r + 1.0, exponent)) * n / total;
                threshold = new long[n];
                alias = new int[n];
                List<Integer> small = new ArrayList<>(), large = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    threshold[i] = 0xffffffffL;
                    alias[i] = i;
                    if (scaled[i] < 1.0) small.add(i); else large.add(i);
                }
                // Vose's method exactly as the lab builds it (same order of pops).
                while (!small.isEmpty()) {
                    int s = small.remove(small.size() - 1);
                    if (large.isEmpty()) break;
                    int lg = large.get(large.size() - 1);
                    double t = scaled[s] * 4294967295.0;
                    threshold[s] = t <= 0 ? 0 : Math.min((long) t, 0xffffffffL);
                    alias[s] = lg;
                    scaled[lg] -= 1.0 - scaled[s];
                    if (scaled[lg] < 1.0) {
                        large.remove(large.size() - 1);
                        small.add(lg);
                    }
                }
            } else {
                threshold = null;
                alias = null;
            }
            if (distribution.equals("hot_set")) {
                hotKeys = Math.min(Long.parseLong(req(p, "statelab.hot_keys")), keySpace);
                double f = Math.max(0.0, Math.min(1.0, Double.parseDouble(req(p, "statelab.hot_fraction"))));
                BigInteger t = new BigDecimal(f * 18446744073709551616.0).toBigInteger();
                hotThreshold = t.bitLength() > 64 || t.compareTo(BigInteger.ONE.shiftLeft(64)) >= 0
                        ? -1L : t.longValue();
            } else {
                hotKeys = 0;
                hotThreshold = 0;
            }
        }

        static String req(Map<String, String> p, String k) {
            String v = p.get(k);
            if (v == null) throw new IllegalArgumentException("missing " + k + "=...");
            return v;
        }

        static long mix64(long z) {
            z += 0x9e3779b97f4a7c15L;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }

        static long draw(long seed, long stream, long index) {
            return mix64(seed ^ mix64(index ^ (stream * 0xd6e8feb86659fd93L)));
        }

        /** Lemire's multiply-shift: the high 64 bits of the unsigned product x * n. */
        static long below(long x, long n) {
            return Math.multiplyHigh(x, n) + ((x >> 63) & n) + ((n >> 63) & x);
        }

        long key(long offset) {
            if (distribution.equals("round_robin")) return offset % keySpace;
            long x = draw(seed, 1, offset);
            switch (distribution) {
                case "uniform":
                    return below(x, keySpace);
                case "zipf": {
                    int column = (int) below(x, threshold.length);
                    return (x & 0xffffffffL) < threshold[column] ? column : alias[column];
                }
                case "hot_set":
                    return Long.compareUnsigned(draw(seed, 3, offset), hotThreshold) < 0
                            ? below(x, hotKeys) : below(x, keySpace);
                default:
                    throw new IllegalArgumentException("unknown distribution " + distribution);
            }
        }

        long value(long offset) {
            return valueMin + below(draw(seed, 2, offset), valueMax - valueMin + 1);
        }

        /** Key n's text, as the lab's key format spells it ("user-7", "key-00007"). */
        String keyName(long n) {
            return keyDigits == 0 ? keyPrefix + n : keyPrefix + String.format("%0" + keyDigits + "d", n);
        }
    }

    public static class StringRecords implements GeneratorFunction<Long, Tuple3<String, Long, Long>> {
        final Workload w;

        StringRecords(Workload w) {
            this.w = w;
        }

        @Override
        public Tuple3<String, Long, Long> map(Long offset) {
            return Tuple3.of(w.keyName(w.key(offset)), w.value(offset), offset);
        }
    }

    public static class LongRecords implements GeneratorFunction<Long, Tuple3<Long, Long, Long>> {
        final Workload w;

        LongRecords(Workload w) {
            this.w = w;
        }

        @Override
        public Tuple3<Long, Long, Long> map(Long offset) {
            return Tuple3.of(w.key(offset), w.value(offset), offset);
        }
    }

    /** Keeps the lab's value model per key. */
    public static class Keep<K> extends KeyedProcessFunction<K, Tuple3<K, Long, Long>, Long> {
        final Workload w;
        private transient ValueState<Long> counter;
        private transient ListState<String> events;
        private transient ValueState<byte[]> bytes;

        Keep(Workload w) {
            this.w = w;
        }

        @Override
        public void open(OpenContext ctx) {
            switch (w.model) {
                case "counter":
                    counter = getRuntimeContext().getState(new ValueStateDescriptor<>("counter", Types.LONG));
                    break;
                case "events":
                    events = getRuntimeContext().getListState(new ListStateDescriptor<>("events", Types.STRING));
                    break;
                case "random_bytes":
                    bytes = getRuntimeContext().getState(new ValueStateDescriptor<>(
                            "bytes", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
                    break;
                default:
                    throw new IllegalArgumentException("unknown value model " + w.model);
            }
        }

        @Override
        public void processElement(Tuple3<K, Long, Long> r, Context ctx, Collector<Long> out) throws Exception {
            long value = r.f1, offset = r.f2;
            switch (w.model) {
                case "counter": {
                    Long sum = counter.value();
                    counter.update(sum == null ? value : sum + value);
                    out.collect(value);
                    break;
                }
                case "events": {
                    List<String> kept = new ArrayList<>();
                    Iterable<String> old = events.get();
                    if (old != null) for (String e : old) kept.add(e);
                    while (kept.size() >= Math.max(1, w.keep)) kept.remove(0);
                    kept.add("{\"offset\":" + offset + ",\"value\":" + value + ",\"kind\":\""
                            + KINDS[(int) Math.floorMod(value, 4L)] + "\"}");
                    events.update(kept);
                    out.collect(value);
                    break;
                }
                default: {
                    byte[] payload = new byte[w.len];
                    long z = Workload.draw(w.seed, 4, offset);
                    for (int i = 0; i < payload.length; i++) {
                        if (i % 8 == 0) z = Workload.mix64(z + i);
                        payload[i] = (byte) (z >>> (8 * (i % 8)));
                    }
                    bytes.update(payload);
                    out.collect(value);
                }
            }
        }
    }
}
