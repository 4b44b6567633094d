package coins.opensearch;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node on 127.0.0.1 for dev and tests, run from the server's jars: no distribution, no bootstrap
 * checks (single-node on loopback), only the HTTP transport and the common analyzers as plugins.
 *
 * <pre>
 * java -cp 'classes:lib/*' coins.opensearch.CoinsSearchNode --http-port 9200 --transport-port 9300 \
 *     --home DIR --data DIR --logs DIR [--cluster-name NAME] [--exit-on-stdin-close]
 * </pre>
 *
 * Each option may instead come as a system property: {@code -Dcoins.opensearch.http-port=9200}.
 * With {@code --exit-on-stdin-close} the node shuts down when its standard input closes, so a launcher that dies
 * without stopping it (a test runner killed hard) does not leave it running.
 */
public final class CoinsSearchNode extends Node {

    private static final List<String> OPTIONS =
        List.of("http-port", "transport-port", "home", "data", "logs", "cluster-name", "exit-on-stdin-close");

    private CoinsSearchNode(Settings settings) {
        super(
            InternalSettingsPreparer.prepareEnvironment(settings, Collections.emptyMap(), null, () -> "coins-search"),
            List.of(Netty4Plugin.class, CommonAnalysisPlugin.class),
            true
        );
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        Settings settings = Settings.builder()
            .put("cluster.name", options.getOrDefault("cluster-name", "coins-search"))
            .put("node.name", "coins-search")
            .put("path.home", absolute(required(options, "home")))
            .put("path.data", absolute(required(options, "data")))
            .put("path.logs", absolute(required(options, "logs")))
            .put("network.host", "127.0.0.1")
            .put("http.port", required(options, "http-port"))
            .put("transport.port", required(options, "transport-port"))
            .put("discovery.type", "single-node")
            // A nearly full dev disk would otherwise leave every shard unassigned (the cluster stays red).
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();

        CoinsSearchNode node = new CoinsSearchNode(settings);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "coins-search-shutdown"));
        try {
            node.start();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
        if (options.containsKey("exit-on-stdin-close")) {
            Thread watchdog = new Thread(CoinsSearchNode::exitWhenStdinCloses, "coins-search-stdin-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }
        // The node's own threads may all be daemons: keep the JVM up until the shutdown hook has closed it.
        closed.await();
    }

    private static void exitWhenStdinCloses() {
        try {
            while (System.in.read() != -1) {
                // Whatever the launcher writes means nothing; only the end of the stream does.
            }
        } catch (java.io.IOException e) {
            // A broken pipe is a closed one.
        }
        System.exit(0);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String name : OPTIONS) {
            String value = System.getProperty("coins.opensearch." + name);
            if (value != null) {
                options.put(name, value);
            }
        }
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; options: --" + String.join(", --", OPTIONS));
            }
            if (name.equals("exit-on-stdin-close")) {
                options.put(name, "true");
            } else if (i + 1 < args.length) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " (or -Dcoins.opensearch." + name + ") is required");
        }
        return value;
    }

    private static String absolute(String path) {
        return Path.of(path).toAbsolutePath().toString();
    }
}
