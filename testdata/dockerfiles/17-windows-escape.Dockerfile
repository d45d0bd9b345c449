# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN Invoke-WebRequest -Uri https://example.com/python.exe -OutFile python.exe ; `
    Start-Process python.exe -ArgumentList '/quiet InstallAllUsers=1' -Wait ; `
    Remove-Item python.exe
COPY app C:\app
WORKDIR C:\app
CMD ["python", "app.py"]
