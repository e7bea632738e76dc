"""The cloud as records: what the plan declares and what the live cloud holds, in one shape."""
