package io.logstream.query.loki;

import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Hidden;

/** Loki's {@code /ready}, which some clients probe before they query. */
@Hidden
@Controller
@Secured(SecurityRule.IS_AUTHENTICATED)
public class LokiReadyController {
    @Get(value = "/ready", produces = MediaType.TEXT_PLAIN)
    public String ready() {
        return "ready";
    }
}
