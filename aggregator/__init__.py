"""aggregator: collect, check and sum up Zhejiang's expert-service returns (附件4、附件5)."""

__version__ = "0.1.0"
