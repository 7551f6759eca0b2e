import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.query.KvStateRegistry;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.LocalRecoveryConfig;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.SnappyStreamCompressionDecorator;
import org.apache.flink.runtime.state.UncompressedStreamCompressionDecorator;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackendBuilder;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSetFactory;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;
import org.apache.flink.runtime.state.memory.MemCheckpointStreamFactory;
import org.apache.flink.runtime.state.metrics.LatencyTrackingStateConfig;
import org.apache.flink.runtime.state.metrics.SizeTrackingStateConfig;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.streaming.api.operators.TimerSerializer;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.RunnableFuture;

/**
 * Snapshots one subtask's keyed state exactly as Flink's heap (hashmap) backend does, with
 * Flink's own classes (HeapKeyedStateBackend, HeapSnapshotStrategy), and writes the bytes of
 * the state file it would upload. Used to produce statelab's fixtures in tests/data/flink-real/.
 *
 * usage: HeapSnapshotDump KEYS(string|long) VALUE(long|string-list|bytes) TIMERS(timers|notimers)
 *        COMPRESSION(snappy|none) PARALLELISM MAX_PARALLELISM SUBTASK STATE_NAME INPUT.tsv OUT.bin
 * INPUT.tsv: one key per line, in insertion order: key TAB value (long: decimal; string-list:
 * the elements, TAB-separated; bytes: hex). Keys of other subtasks are skipped.
 * Prints the key-group offsets (KeyGroupRangeOffsets) and the total size on stdout.
 */
public class HeapSnapshotDump {
    public static void main(String[] a) throws Exception {
        boolean longKeys = a[0].equals("long");
        String value = a[1];
        boolean timers = a[2].equals("timers");
        boolean snappy = a[3].equals("snappy");
        int p = Integer.parseInt(a[4]), maxP = Integer.parseInt(a[5]), sub = Integer.parseInt(a[6]);
        String stateName = a[7];
        KeyGroupRange range = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxP, p, sub);
        @SuppressWarnings({"rawtypes", "unchecked"})
        TypeSerializer<Object> keySer = (TypeSerializer) (longKeys ? LongSerializer.INSTANCE : StringSerializer.INSTANCE);
        HeapKeyedStateBackend<Object> backend = new HeapKeyedStateBackendBuilder<>(
                new KvStateRegistry().createTaskRegistry(new JobID(), new JobVertexID()),
                keySer, HeapSnapshotDump.class.getClassLoader(), maxP, range, new ExecutionConfig(),
                TtlTimeProvider.DEFAULT, LatencyTrackingStateConfig.disabled(), SizeTrackingStateConfig.disabled(),
                Collections.emptyList(),
                snappy ? SnappyStreamCompressionDecorator.INSTANCE : UncompressedStreamCompressionDecorator.INSTANCE,
                LocalRecoveryConfig.BACKUP_AND_RECOVERY_DISABLED,
                new HeapPriorityQueueSetFactory(range, maxP, 128), true, new CloseableRegistry()).build();
        if (timers) {
            // What KeyedProcessOperator.open() registers: getInternalTimerService("user-timers", ...)
            TimerSerializer<Object, VoidNamespace> ts = new TimerSerializer<>(keySer, VoidNamespaceSerializer.INSTANCE);
            backend.create("_timer_state/processing_user-timers", ts);
            backend.create("_timer_state/event_user-timers", ts);
        }
        ValueState<Long> longState = null;
        ListState<String> listState = null;
        ValueState<byte[]> bytesState = null;
        switch (value) {
            case "long":
                longState = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                        new ValueStateDescriptor<>(stateName, LongSerializer.INSTANCE));
                break;
            case "string-list":
                listState = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                        new ListStateDescriptor<>(stateName, StringSerializer.INSTANCE));
                break;
            case "bytes":
                bytesState = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                        new ValueStateDescriptor<>(stateName, BytePrimitiveArraySerializer.INSTANCE));
                break;
            default:
                throw new IllegalArgumentException(value);
        }
        try (BufferedReader in = new BufferedReader(new FileReader(a[8]))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) continue;
                String[] f = line.split("\t", -1);
                Object key = longKeys ? (Object) Long.parseLong(f[0]) : f[0];
                if (!range.contains(KeyGroupRangeAssignment.assignToKeyGroup(key, maxP))) continue;
                backend.setCurrentKey(key);
                if (longState != null) longState.update(Long.parseLong(f[1]));
                if (listState != null) listState.update(new ArrayList<>(Arrays.asList(f).subList(1, f.length)));
                if (bytesState != null) bytesState.update(HexFormat.of().parseHex(f[1]));
            }
        }
        RunnableFuture<SnapshotResult<KeyedStateHandle>> future = backend.snapshot(
                1L, 0L, new MemCheckpointStreamFactory(Integer.MAX_VALUE),
                CheckpointOptions.forCheckpointWithDefaultLocation());
        future.run();
        KeyGroupsStateHandle handle = (KeyGroupsStateHandle) future.get().getJobManagerOwnedSnapshot();
        byte[] bytes = ((ByteStreamStateHandle) handle.getDelegateStateHandle()).getData();
        try (FileOutputStream out = new FileOutputStream(a[9])) {
            out.write(bytes);
        }
        List<String> offs = new ArrayList<>();
        for (int kg : range) offs.add(kg + ":" + handle.getOffsetForKeyGroup(kg));
        System.out.println("size " + bytes.length + " stateSize " + handle.getStateSize());
        System.out.println("offsets " + String.join(" ", offs));
        backend.dispose();
    }
}
