package io.logstream.query;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

/**
 * Test-only routes: one that fails the way a bug would, so a test can see what a client gets from a 500, and one
 * that takes a JSON body (the API itself takes none), so the framework's 415 can be seen.
 */
@Controller("/test-only")
@Secured(SecurityRule.IS_AUTHENTICATED)
@Requires(property = "log-stream.test.boom", value = "true")
class BoomController {
    static final String SECRET = "internal-detail-42";

    @Get("/boom")
    String boom() {
        throw new IllegalStateException("bug with " + SECRET);
    }

    @Post(value = "/echo", consumes = MediaType.APPLICATION_JSON)
    String echo(@Body String body) {
        return body;
    }
}
