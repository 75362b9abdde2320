import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.mapper.MapperExtrasPlugin;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.reindex.ReindexPlugin;
import org.elasticsearch.transport.Netty4Plugin;

/**
 * Runs one Elasticsearch 7.17 node from the server jars on Maven Central, for weir's tests and local
 * runs (no distribution archive is published there). Arguments are node settings as key=value;
 * path.home is required. The scripts in scripts/infra pass the loopback address and ports.
 *
 * Node's constructor that takes plugin classes is protected: it exists for embedding like this.
 * Besides the HTTP transport (Netty4), the node gets the modules a client is most likely to reach
 * for: reindex (delete_by_query, update_by_query, _reindex) and mapper-extras (scaled_float and
 * friends). Everything else a real distribution loads from modules/ is absent.
 */
public final class WeirElasticsearch {

    private static final List<Class<? extends Plugin>> PLUGINS =
            Arrays.asList(Netty4Plugin.class, ReindexPlugin.class, MapperExtrasPlugin.class);

    /** Its presence tells the infra scripts that the node is fully set up. */
    static final String INDEX_DEFAULTS_TEMPLATE = "weir-single-node";

    private static final class EmbeddedNode extends Node {
        EmbeddedNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
            super(InternalSettingsPreparer.prepareEnvironment(settings, Collections.emptyMap(), null,
                    () -> settings.get("node.name", "weir")), plugins, false);
        }
    }

    private WeirElasticsearch() {}

    private static Settings parse(String[] args) {
        Settings.Builder builder = Settings.builder();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got: " + arg);
            }
            builder.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Settings settings = builder.build();
        if (settings.get("path.home") == null) {
            throw new IllegalArgumentException("path.home=<dir> is required");
        }
        return settings;
    }

    /**
     * One node can hold no replica, so indices created with the default of one replica stay yellow
     * and a test waiting for green would hang. A legacy template of the lowest order gives every
     * index zero replicas unless its own settings or templates say otherwise.
     */
    static void singleNodeIndexDefaults(Node node) {
        node.client().admin().indices().preparePutTemplate(INDEX_DEFAULTS_TEMPLATE)
                .setPatterns(Collections.singletonList("*"))
                .setOrder(Integer.MIN_VALUE)
                .setSettings(Settings.builder().put("index.number_of_replicas", 0))
                .get();
    }

    public static void main(String[] args) throws Exception {
        Settings settings = parse(args);
        Path home = Paths.get(settings.get("path.home"));
        // The plugin service scans these even when, as here, every plugin comes from the classpath.
        Files.createDirectories(home.resolve("modules"));
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("config"));
        LogConfigurator.configureWithoutConfig(settings);

        Node node = new EmbeddedNode(settings, PLUGINS);
        CountDownLatch closed = new CountDownLatch(1);
        // SIGTERM from `pnpm infra:down`: close the node so its data directory is left consistent.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (IOException e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "weir-es-shutdown"));
        node.start();
        singleNodeIndexDefaults(node);
        System.out.println("weir: elasticsearch node started");
        // The node's own threads are daemons: main must stay alive or the JVM exits.
        closed.await();
    }
}
