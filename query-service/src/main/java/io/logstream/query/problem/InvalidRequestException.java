package io.logstream.query.problem;


import java.util.List;

/** A request whose parameters cannot be served; rendered as a 400 problem naming each parameter. */
public class InvalidRequestException extends ClientSafeException {
    private final List<InvalidParameter> invalidParameters;

    public InvalidRequestException(List<InvalidParameter> invalidParameters) {
        super(invalidParameters.stream().map(p -> p.name() + ": " + p.reason()).reduce((a, b) -> a + "; " + b)
                .orElse("invalid request"));
        this.invalidParameters = List.copyOf(invalidParameters);
    }

    public List<InvalidParameter> invalidParameters() {
        return invalidParameters;
    }

    @Override
    public String problemType() {
        return "invalid-parameters";
    }

    @Override
    public String title() {
        return "Invalid request parameters";
    }
}
