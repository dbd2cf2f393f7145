// Stream-level tests of http::client through a scripted proxy on 127.0.0.1:0: CONNECT refusals, a proxy that
// never answers (deadline, cancellation), credentials, and absolute-form requests for http targets.
#include "common/http/proxy_tunnel.hpp"
#include "tests/http/client_fixture.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <vector>

namespace sf::http::test {
namespace {

using tcp = asio::ip::tcp;

// Answers each connection's first request (read up to its blank line) with `answer`, or never when `answer`
// is empty; closes at once when `close` is set. Keeps every connection open until the test ends.
class scripted_proxy {
 public:
  scripted_proxy(asio::io_context& io, std::string answer, bool close = false)
      : acceptor_(io, any_loopback_port()), answer_(std::move(answer)), close_(close) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }
  std::string url(const std::string& user_info = "") const {
    return "http://" + user_info + "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  const std::vector<std::string>& requests() const { return requests_; }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      sockets_.push_back(std::make_shared<tcp::socket>(std::move(socket)));
      asio::co_spawn(acceptor_.get_executor(), serve(sockets_.back()), asio::detached);
    }
  }
  asio::awaitable<void> serve(std::shared_ptr<tcp::socket> socket) {
    if (close_) {
      socket->close();
      co_return;
    }
    std::string head;
    auto [ec, n] = co_await asio::async_read_until(*socket, asio::dynamic_buffer(head), "\r\n\r\n",
                                                   asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    requests_.push_back(head.substr(0, n));
    if (answer_.empty()) co_return;  // silent: the socket stays open, unanswered
    co_await asio::async_write(*socket, asio::buffer(answer_), asio::as_tuple(asio::use_awaitable));
  }

  tcp::acceptor acceptor_;
  std::string answer_;
  bool close_;
  std::vector<std::string> requests_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
};

class ProxyClient : public ::testing::Test {
 protected:
  exchange_result send_via(const scripted_proxy& proxy, const std::string& target, const std::string& user_info = "",
                           const std::string& password = "", std::chrono::milliseconds timeout = 5s,
                           std::chrono::milliseconds cancel_after = 0ms) {
    client_options o;
    o.timeout = timeout;
    o.proxy = {proxy.url(user_info), password, "test.proxy_url"};
    o.environment = proxy_environment{};
    client c(io_.get_executor(), parse_url(target).value(), o);
    exchange_result out;
    auto body = [&]() -> asio::awaitable<void> {
      out = co_await c.send(get("/path?q=1"));
    };
    bool done = cancel_after > 0ms ? run_cancelled_after(io_, body(), cancel_after) : run_bounded(io_, body());
    EXPECT_TRUE(done);
    return out;
  }

  asio::io_context io_;
};

TEST_F(ProxyClient, TheConnectRequestNamesTheTargetAndCarriesTheCredentials) {
  scripted_proxy proxy(io_, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  auto r = send_via(proxy, "https://es.example:9243", "svc@", "s3cret");
  ASSERT_EQ(proxy.requests().size(), 1u);
  const std::string& head = proxy.requests()[0];
  EXPECT_EQ(head.rfind("CONNECT es.example:9243 HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Host: es.example:9243\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Proxy-Authorization: Basic c3ZjOnMzY3JldA==\r\n"), std::string::npos) << head;
  // The target's request never reached the proxy in clear.
  EXPECT_EQ(head.find("/path"), std::string::npos) << head;
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.ec, proxy_errc::refused);
  EXPECT_NE(r.error.find("proxy http://svc@127.0.0.1:"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("refused the tunnel: 403 Forbidden"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("s3cret"), std::string::npos) << r.error;
}

TEST_F(ProxyClient, A407SaysWhetherCredentialsWereSent) {
  scripted_proxy proxy(io_, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n"
                            "Content-Length: 5\r\n\r\ndeny!");
  auto anonymous = send_via(proxy, "https://es.example:9243");
  EXPECT_EQ(anonymous.ec, proxy_errc::auth_required);
  EXPECT_NE(anonymous.error.find("407 Proxy Authentication Required"), std::string::npos) << anonymous.error;
  EXPECT_NE(anonymous.error.find("proxy_password_file"), std::string::npos) << anonymous.error;
  EXPECT_EQ(proxy.requests().at(0).find("Proxy-Authorization"), std::string::npos);
  auto rejected = send_via(proxy, "https://es.example:9243", "svc@", "wrong");
  EXPECT_EQ(rejected.ec, proxy_errc::auth_required);
  EXPECT_NE(rejected.error.find("rejected user 'svc'"), std::string::npos) << rejected.error;
  // tinyproxy answers wrong credentials with 401: to a CONNECT that too is the proxy's refusal.
  scripted_proxy tiny(io_, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
  auto tiny_rejected = send_via(tiny, "https://es.example:9243", "svc@", "wrong");
  EXPECT_EQ(tiny_rejected.ec, proxy_errc::auth_required);
  EXPECT_NE(tiny_rejected.error.find("answered 401 Unauthorized: the proxy rejected user 'svc'"), std::string::npos)
      << tiny_rejected.error;
}

TEST_F(ProxyClient, AProxyThatNeverAnswersEndsAtTheExchangesDeadline) {
  scripted_proxy proxy(io_, "");
  const auto t0 = clock_type::now();
  auto r = send_via(proxy, "https://es.example:9243", "", "", 300ms);
  const auto took = clock_type::now() - t0;
  EXPECT_EQ(r.ec, boost::beast::error::timeout);
  EXPECT_NE(r.error.find("did not answer: timed out"), std::string::npos) << r.error;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
}

TEST_F(ProxyClient, CancellationEndsAWaitForTheProxy) {
  scripted_proxy proxy(io_, "");
  const auto t0 = clock_type::now();
  auto r = send_via(proxy, "https://es.example:9243", "", "", 30s, 100ms);
  EXPECT_EQ(r.ec, asio::error::operation_aborted) << r.error;
  EXPECT_LT(clock_type::now() - t0, 3s);
}

TEST_F(ProxyClient, AProxyThatHangsUpOrSpeaksNoHttpIsAProxyError) {
  scripted_proxy closing(io_, "", true);
  auto closed = send_via(closing, "https://es.example:9243");
  EXPECT_FALSE(closed.ok());
  EXPECT_NE(closed.error.find("proxy http://127.0.0.1:"), std::string::npos) << closed.error;
  scripted_proxy garbage(io_, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  auto bad = send_via(garbage, "https://es.example:9243");
  EXPECT_EQ(bad.ec, proxy_errc::bad_answer) << bad.error;
  scripted_proxy eager(io_, "HTTP/1.1 200 Connection established\r\n\r\nearly");
  auto early = send_via(eager, "https://es.example:9243");
  EXPECT_EQ(early.ec, proxy_errc::bad_answer) << early.error;
}

TEST_F(ProxyClient, AnUnreachableProxyIsNamedInTheError) {
  tcp::acceptor gone(io_, any_loopback_port());  // a port nobody listens on once it is closed
  const std::string url = "http://127.0.0.1:" + std::to_string(gone.local_endpoint().port());
  gone.close();
  client_options o;
  o.proxy = {url, "", "test.proxy_url"};
  o.environment = proxy_environment{};
  client c(io_.get_executor(), parse_url("https://es.example:9243").value(), o);
  exchange_result r;
  auto body = [&]() -> asio::awaitable<void> { r = co_await c.send(get("/")); };
  ASSERT_TRUE(run_bounded(io_, body()));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.rfind("cannot connect to proxy " + url, 0), 0u) << r.error;
}

TEST_F(ProxyClient, PlainHttpGoesInAbsoluteFormWithCredentialsOnTheRequest) {
  scripted_proxy proxy(io_, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  auto r = send_via(proxy, "http://es.internal:9200", "svc@", "s3cret");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.res.body(), "ok");
  const std::string& head = proxy.requests().at(0);
  EXPECT_EQ(head.rfind("GET http://es.internal:9200/path?q=1 HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Host: es.internal:9200\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Proxy-Authorization: Basic c3ZjOnMzY3JldA==\r\n"), std::string::npos) << head;
}

TEST_F(ProxyClient, A407ToAnAbsoluteFormRequestIsTheProxysRefusalNotAnAnswer) {
  scripted_proxy proxy(io_, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
  auto r = send_via(proxy, "http://es.internal:9200");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.ec, proxy_errc::auth_required);
  EXPECT_NE(r.error.find("answered 407"), std::string::npos) << r.error;
}

TEST_F(ProxyClient, AnUnusableProxyUrlFailsAtConstruction) {
  client_options o;
  o.proxy = {"socks5://127.0.0.1:1080", "", "sinks.elk.proxy_url"};
  EXPECT_THROW(client(io_.get_executor(), parse_url("https://es:9200").value(), o), std::runtime_error);
  client_options from_env;
  from_env.environment = proxy_environment{"https://p:3128", "HTTPS_PROXY", "", "", "", ""};
  try {
    client c(io_.get_executor(), parse_url("https://es:9200").value(), from_env);
    ADD_FAILURE() << "constructed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("HTTPS_PROXY is not a usable proxy URL"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sf::http::test
