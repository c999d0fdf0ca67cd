package io.logstream.query;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/** The one HTTP client of the query tests: GETs of a running query-service, with a bearer token or none. */
final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ApiClient() {
    }

    /** The client itself, for what GETs do not cover (WebSockets). */
    static HttpClient http() {
        return HTTP;
    }

    /** A GET with the token that reads every service. */
    static HttpResponse<String> get(URI base, String path) throws Exception {
        return get(base, path, TestAuth.token());
    }

    /**
     * @param token   the bearer token, or null for an anonymous request
     * @param headers more headers, as name, value, ...
     */
    static HttpResponse<String> get(URI base, String path, String token, String... headers) throws Exception {
        return HTTP.send(request(base, path, token, headers), HttpResponse.BodyHandlers.ofString());
    }

    static CompletableFuture<HttpResponse<String>> getAsync(URI base, String path, String token) {
        return HTTP.sendAsync(request(base, path, token), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET whose body is read as it arrives (an SSE tail). */
    static HttpResponse<InputStream> stream(URI base, String path, String token, String... headers) throws Exception {
        return HTTP.send(request(base, path, token, headers), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static HttpRequest request(URI base, String path, String token, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return request.build();
    }
}
