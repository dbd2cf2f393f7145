// os-node: starts one real OpenSearch 2.19.6 node on 127.0.0.1 in this JVM and writes its URL to a file.
package org.scaleft.osnode;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.opensearch.Version;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.scaleft.nodelauncher.Launcher;

public final class OsNode {
  // Only the HTTP/transport module: data streams, composable and component templates and the ingest
  // pipeline API are core in OpenSearch. No processor module (ingest-common) or mapper-extras is loaded.
  private static final List<Class<? extends Plugin>> MODULES =
      List.of(org.opensearch.transport.Netty4Plugin.class);

  // Node's constructor that takes classpath plugins is protected (the test framework's MockNode uses it).
  private static final class ClasspathNode extends Node {
    ClasspathNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
      super(env, plugins, true);
    }
  }

  private OsNode() {}

  // The same steps as EsNode.main, on OpenSearch's classes (a fork: same shapes, other packages).
  public static void main(String[] args) throws Exception {
    Launcher launcher = new Launcher("os-node");
    Launcher.Options o = launcher.parse(args, OsNode.class);
    if (o == null) return;
    Settings.Builder settings = Settings.builder();
    launcher.node_settings(o).forEach(settings::put);
    Environment env = InternalSettingsPreparer.prepareEnvironment(
        settings.build(), java.util.Map.of(), o.dir.resolve("config"), () -> "os-node");
    LogConfigurator.registerErrorListener();
    LogConfigurator.setNodeName("os-node");
    LogConfigurator.configure(env);
    Node node = new ClasspathNode(env, MODULES);
    launcher.run(o, new Launcher.NodeHandle() {
      public int start() throws Exception {
        node.start();
        return node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
      }

      public void close() throws Exception {
        node.close();
        node.awaitClose(30, TimeUnit.SECONDS);
      }
    }, "OpenSearch " + Version.CURRENT);
  }
}
