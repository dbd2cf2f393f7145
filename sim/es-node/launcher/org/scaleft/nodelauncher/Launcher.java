// Launcher: the flags, directories, URL file and signal handling shared by the es-node and os-node launchers.
package org.scaleft.nodelauncher;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class Launcher {
  // What a launcher gives for its node: Elasticsearch and OpenSearch have the same shape, not the same classes.
  public interface NodeHandle {
    // Starts the node; returns the HTTP port it bound.
    int start() throws Exception;

    void close() throws Exception;
  }

  public static final class Options {
    public Path dir;
    public Path port_file;
    public String http_port = "0";
    public String cluster_name;
  }

  // Opened before the node starts: once it is built, System.out no longer reaches fd 1 (seen with
  // Elasticsearch 7.10.2 embedded), and whoever started the node reads its start and stop lines from fd 1.
  private static final java.io.PrintStream OUT =
      new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);

  private final String name;
  private final String usage;
  private final long started_at = System.nanoTime();

  public Launcher(String name) {
    this.name = name;
    this.usage = "usage: " + name + " --dir DIR [--port-file FILE] [--http-port N] [--cluster-name NAME]\n"
        + "  --dir DIR         home of the node: DIR/data, DIR/logs, DIR/config (created)\n"
        + "  --port-file FILE  written with http://127.0.0.1:PORT once the node answers GET /\n"
        + "  --http-port N     HTTP port (default 0: a free port chosen by the kernel)\n";
  }

  // Parses the flags (a bad one exits 2); null for --help. Creates DIR/{config,data,logs} and copies the
  // launcher's log4j2.properties into DIR/config.
  public Options parse(String[] args, Class<?> resources) throws IOException {
    Options o = new Options();
    o.cluster_name = name;
    for (int i = 0; i < args.length; ++i) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        System.out.print(usage);
        return null;
      }
      if (i + 1 >= args.length) fail("option " + a + " needs a value");
      String v = args[++i];
      switch (a) {
        case "--dir": o.dir = Paths.get(v).toAbsolutePath(); break;
        case "--port-file": o.port_file = Paths.get(v).toAbsolutePath(); break;
        case "--http-port": o.http_port = v; break;
        case "--cluster-name": o.cluster_name = v; break;
        default: fail("unknown option " + a);
      }
    }
    if (o.dir == null) fail("--dir is required");
    if (!o.http_port.matches("[0-9]{1,5}")) fail("--http-port must be a port number, got '" + o.http_port + "'");
    Files.createDirectories(o.dir.resolve("config"));
    Files.createDirectories(o.dir.resolve("data"));
    Files.createDirectories(o.dir.resolve("logs"));
    try (InputStream in = resources.getResourceAsStream("/log4j2.properties")) {
      if (in == null) fail("resource log4j2.properties missing from the jar");
      Files.copy(in, o.dir.resolve("config").resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
    }
    return o;
  }

  // The node's settings, the same for both products: loopback only, free ports, one node, data under DIR.
  public java.util.Map<String, String> node_settings(Options o) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("cluster.name", o.cluster_name);
    m.put("node.name", name);
    m.put("path.home", o.dir.toString());
    m.put("path.data", o.dir.resolve("data").toString());
    m.put("path.logs", o.dir.resolve("logs").toString());
    // No cluster to join: transport binds to 127.0.0.1 for the node itself.
    m.put("network.host", "127.0.0.1");
    m.put("http.port", o.http_port);
    m.put("transport.port", "0");
    m.put("discovery.type", "single-node");
    // Test machines often have full disks; the disk watermarks would make indices read-only.
    m.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    // The node runs with the serial collector (one small JVM on a shared 2-core machine), so its heap holds
    // garbage until a collection; the parent breaker's real-memory check (made for G1, which the products'
    // own jvm.options select) counts that garbage and refuses requests with 429 circuit_breaking_exception
    // once a few 100,000-document loads have passed through the 512 MiB heap. The breaker then counts the
    // memory requests reserve (the request, fielddata and in-flight breakers stay as they are).
    m.put("indices.breaker.total.use_real_memory", "false");
    return m;
  }

  // Starts the node, waits until GET / answers 200, writes the URL file, prints the start line, and blocks
  // until SIGTERM/SIGINT have closed the node.
  public void run(Options o, NodeHandle node, String product) throws Exception {
    CountDownLatch stopped = new CountDownLatch(1);
    install_stop_handler(node, stopped);
    int port = node.start();
    String url = "http://127.0.0.1:" + port;
    wait_for_root(url);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started_at);
    if (o.port_file != null) write_atomically(o.port_file, url + "\n");
    OUT.println(name + ": " + product + " answers at " + url + " (started in " + ms + " ms; logs in "
        + o.dir.resolve("logs") + ")");
    stopped.await();
  }

  // SIGTERM/SIGINT close the node (flushes shards, releases the data-dir lock) and exit 0, so whoever
  // started the node can tell a clean stop from a crash.
  private void install_stop_handler(NodeHandle node, CountDownLatch stopped) {
    sun.misc.SignalHandler stop = sig -> {
      Thread t = new Thread(() -> {
        try {
          node.close();
        } catch (Exception e) {
          System.err.println(name + ": error while stopping: " + e);
          Runtime.getRuntime().halt(1);
        }
        OUT.println(name + ": stopped on SIG" + sig.getName());
        stopped.countDown();
        System.exit(0);
      }, name + "-stop");
      t.start();
    };
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), stop);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), stop);
  }

  // The HTTP transport is bound before the node has a master and has recovered its state; the node is
  // usable once GET / answers 200.
  private void wait_for_root(String url) throws InterruptedException {
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

  private void fail(String message) {
    System.err.println(name + ": " + message);
    System.err.print(usage);
    System.exit(2);
  }
}
