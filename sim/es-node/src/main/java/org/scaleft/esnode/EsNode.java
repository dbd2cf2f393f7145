// es-node: starts one real Elasticsearch 7.10.2 node on 127.0.0.1 in this JVM and writes its URL to a file.
package org.scaleft.esnode;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.codelibs.elasticsearch.runner.node.ClusterRunnerNode;
import org.elasticsearch.Version;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;

public final class EsNode {
  // The open modules of the Elasticsearch distribution that the cluster-runner ships as jars. A node
  // started from a distribution loads these from modules/; here they are classpath plugins.
  private static final List<Class<? extends Plugin>> MODULES = List.of(
      org.elasticsearch.transport.Netty4Plugin.class,
      org.elasticsearch.index.mapper.MapperExtrasPlugin.class,
      org.elasticsearch.ingest.common.IngestCommonPlugin.class,
      org.elasticsearch.ingest.useragent.IngestUserAgentPlugin.class,
      org.elasticsearch.analysis.common.CommonAnalysisPlugin.class,
      org.elasticsearch.index.reindex.ReindexPlugin.class,
      org.elasticsearch.join.ParentJoinPlugin.class,
      org.elasticsearch.percolator.PercolatorPlugin.class,
      org.elasticsearch.painless.PainlessPlugin.class,
      org.elasticsearch.script.mustache.MustachePlugin.class,
      org.elasticsearch.script.expression.ExpressionPlugin.class,
      org.elasticsearch.index.rankeval.RankEvalPlugin.class,
      org.elasticsearch.plugin.repository.url.URLRepositoryPlugin.class,
      org.elasticsearch.search.aggregations.matrix.MatrixAggregationPlugin.class);

  private static final String USAGE =
      "usage: es-node --dir DIR [--port-file FILE] [--http-port N] [--cluster-name NAME]\n"
      + "  --dir DIR         home of the node: DIR/data, DIR/logs, DIR/config (created)\n"
      + "  --port-file FILE  written with http://127.0.0.1:PORT once the node answers GET /\n"
      + "  --http-port N     HTTP port (default 0: a free port chosen by the kernel)\n";

  // Opened before Elasticsearch starts: once the node is built, System.out no longer reaches fd 1 (seen with
  // 7.10.2 embedded), and whoever started the node reads its start and stop lines from fd 1.
  private static final java.io.PrintStream OUT =
      new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);

  private EsNode() {}

  public static void main(String[] args) throws Exception {
    long started_at = System.nanoTime();
    Path dir = null;
    Path port_file = null;
    String http_port = "0";
    String cluster_name = "es-node";
    for (int i = 0; i < args.length; ++i) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        System.out.print(USAGE);
        return;
      }
      if (i + 1 >= args.length) fail("option " + a + " needs a value");
      String v = args[++i];
      switch (a) {
        case "--dir": dir = Paths.get(v).toAbsolutePath(); break;
        case "--port-file": port_file = Paths.get(v).toAbsolutePath(); break;
        case "--http-port": http_port = v; break;
        case "--cluster-name": cluster_name = v; break;
        default: fail("unknown option " + a);
      }
    }
    if (dir == null) fail("--dir is required");
    if (!http_port.matches("[0-9]{1,5}")) fail("--http-port must be a port number, got '" + http_port + "'");

    Path config = dir.resolve("config");
    Files.createDirectories(config);
    Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(dir.resolve("logs"));
    copy_resource("log4j2.properties", config.resolve("log4j2.properties"));

    Settings settings = Settings.builder()
        .put("cluster.name", cluster_name)
        .put("node.name", "es-node")
        .put("path.home", dir.toString())
        .put("path.data", dir.resolve("data").toString())
        .put("path.logs", dir.resolve("logs").toString())
        // Loopback only, and no cluster to join: transport binds to 127.0.0.1 for the node itself.
        .put("network.host", "127.0.0.1")
        .put("http.port", http_port)
        .put("transport.port", "0")
        .put("discovery.type", "single-node")
        // Test machines often have full disks; the disk watermarks would make indices read-only.
        .put("cluster.routing.allocation.disk.threshold_enabled", false)
        .build();
    Environment env =
        InternalSettingsPreparer.prepareEnvironment(settings, java.util.Map.of(), config, () -> "es-node");
    LogConfigurator.registerErrorListener();
    LogConfigurator.setNodeName("es-node");
    LogConfigurator.configure(env);

    Collection<Class<? extends Plugin>> plugins = MODULES;
    Node node = new ClusterRunnerNode(env, plugins);
    CountDownLatch stopped = new CountDownLatch(1);
    install_stop_handler(node, stopped);
    node.start();

    InetSocketAddress bound =
        node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().address();
    String url = "http://127.0.0.1:" + bound.getPort();
    wait_for_root(url, started_at);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started_at);
    if (port_file != null) write_atomically(port_file, url + "\n");
    OUT.println("es-node: Elasticsearch " + Version.CURRENT + " answers at " + url + " (started in "
        + ms + " ms; logs in " + dir.resolve("logs") + ")");
    stopped.await();
  }

  // SIGTERM/SIGINT close the node (flushes shards, releases the data-dir lock) and exit 0, so whoever
  // started the node can tell a clean stop from a crash.
  private static void install_stop_handler(Node node, CountDownLatch stopped) {
    sun.misc.SignalHandler stop = sig -> {
      Thread t = new Thread(() -> {
        try {
          node.close();
          node.awaitClose(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("es-node: error while stopping: " + e);
          Runtime.getRuntime().halt(1);
        }
        OUT.println("es-node: stopped on SIG" + sig.getName());
        stopped.countDown();
        System.exit(0);
      }, "es-node-stop");
      t.start();
    };
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), stop);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), stop);
  }

  // The HTTP transport is bound before the node has a master and has recovered its state; the node is
  // usable once GET / answers 200.
  private static void wait_for_root(String url, long started_at) throws InterruptedException {
    long deadline = started_at + TimeUnit.SECONDS.toNanos(200);
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        HttpURLConnection c = (HttpURLConnection) new URL(url + "/").openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(5000);
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
          if (in != null) in.readAllBytes();
        }
        if (status == 200) return;
        last = "HTTP " + status;
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    fail("node at " + url + " did not answer GET / with 200 within 200 s (last: " + last + ")");
  }

  private static void write_atomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void copy_resource(String name, Path to) throws IOException {
    try (InputStream in = EsNode.class.getResourceAsStream("/" + name)) {
      if (in == null) fail("resource " + name + " missing from the jar");
      Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void fail(String message) {
    System.err.println("es-node: " + message);
    System.err.print(USAGE);
    System.exit(2);
  }
}
