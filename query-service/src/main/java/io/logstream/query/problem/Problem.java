package io.logstream.query.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/**
 * An RFC 9457 problem detail, served as {@code application/problem+json}. (micronaut-problem-json is not available
 * from the registry this project builds from, so the few fields used are rendered here.)
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance,
                      @JsonProperty("invalid-params") List<InvalidParameter> invalidParams) {
}
